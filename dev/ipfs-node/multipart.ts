// A streaming multipart/form-data reader (RFC 7578, RFC 2046 §5.1.1) for the development node's `add`. Each
// part's bytes are handed on as they arrive, so the importer hashes and stores a file while the rest of it is
// still on the wire; Request.formData() would first buffer the whole body and then copy every part again.
// Web-standard only (ReadableStream, Uint8Array), like the rest of the node.

export class MultipartError extends Error {}

export interface MultipartPart {
  /** The form field name (`file`, `file-1`, `dir-2`, …). */
  name: string;
  /** The filename parameter, undefined for a plain field. */
  filename: string | undefined;
  contentType: string | undefined;
  /** The part's bytes; read it to the end before asking for the next part, or leave it unread to skip it. */
  content: AsyncIterable<Uint8Array>;
}

const DASH = 45;
const HEADER_LIMIT = 16 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CRLF_CRLF = encoder.encode('\r\n\r\n');

export function boundaryOf(contentType: string): string | undefined {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/** First index of `needle` in `haystack` at or after `from`, or -1. The first-byte scan is native. */
function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0] as number;
  const last = haystack.length - needle.length;
  for (let i = haystack.indexOf(first, from); i !== -1 && i <= last; i = haystack.indexOf(first, i + 1)) {
    let k = 1;
    while (k < needle.length && haystack[i + k] === needle[k]) k++;
    if (k === needle.length) return i;
  }
  return -1;
}

function parameter(header: string, name: string): string | undefined {
  const match =
    new RegExp(`;\\s*${name}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(header) ?? new RegExp(`;\\s*${name}=([^;\\s]+)`, 'i').exec(header);
  return match?.[1]?.replace(/\\(.)/g, '$1');
}

/** The parts of a multipart body, in order, each streamed. Throws MultipartError on a malformed body. */
export async function* readMultipart(body: ReadableStream<Uint8Array>, boundary: string): AsyncGenerator<MultipartPart> {
  const reader = body.getReader();
  const dashBoundary = encoder.encode(`--${boundary}`);
  // Inside a part the boundary is always preceded by CRLF, which belongs to the delimiter, not the content.
  const delimiter = encoder.encode(`\r\n--${boundary}`);
  let buffer: Uint8Array = new Uint8Array(0);

  /** Appends the next chunk of the body; false at its end. */
  async function more(): Promise<boolean> {
    const next = await reader.read();
    if (next.done) return false;
    if (buffer.length === 0) buffer = next.value;
    else {
      const joined = new Uint8Array(buffer.length + next.value.length);
      joined.set(buffer);
      joined.set(next.value, buffer.length);
      buffer = joined;
    }
    return true;
  }

  try {
    // Preamble up to the first boundary.
    for (let at = indexOf(buffer, dashBoundary); ; at = indexOf(buffer, dashBoundary)) {
      if (at !== -1) {
        buffer = buffer.subarray(at + dashBoundary.length);
        break;
      }
      if (buffer.length > HEADER_LIMIT) throw new MultipartError('no multipart boundary found');
      if (!(await more())) throw new MultipartError('no multipart boundary found');
    }
    for (;;) {
      while (buffer.length < 2) if (!(await more())) throw new MultipartError('truncated multipart body');
      // "--" after a boundary closes the body.
      if (buffer[0] === DASH && buffer[1] === DASH) return;
      let headerEnd = indexOf(buffer, CRLF_CRLF);
      while (headerEnd === -1) {
        if (buffer.length > HEADER_LIMIT) throw new MultipartError('multipart part headers too long');
        if (!(await more())) throw new MultipartError('truncated multipart body');
        headerEnd = indexOf(buffer, CRLF_CRLF);
      }
      // The boundary line ends with optional transport padding and CRLF; then one header per line.
      const head = decoder.decode(buffer.subarray(0, headerEnd + 2));
      const lineEnd = head.indexOf('\r\n');
      if (lineEnd === -1 || head.slice(0, lineEnd).trim() !== '') throw new MultipartError('malformed multipart boundary line');
      const headers = new Map<string, string>();
      for (const line of head.slice(lineEnd + 2).split('\r\n')) {
        if (line === '') continue;
        const colon = line.indexOf(':');
        if (colon <= 0) throw new MultipartError('malformed multipart part header');
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      buffer = buffer.subarray(headerEnd + CRLF_CRLF.length);
      const disposition = headers.get('content-disposition') ?? '';
      if (!/^form-data\b/i.test(disposition)) throw new MultipartError('a multipart part without Content-Disposition: form-data');

      let started = false;
      let finished = false;
      const content = (async function* () {
        started = true;
        for (;;) {
          const end = indexOf(buffer, delimiter);
          if (end !== -1) {
            if (end > 0) yield buffer.subarray(0, end);
            buffer = buffer.subarray(end + delimiter.length);
            finished = true;
            return;
          }
          // Everything but a tail that could be the start of a delimiter split across chunks is content.
          const safe = buffer.length - (delimiter.length - 1);
          if (safe > 0) {
            const out = buffer.subarray(0, safe);
            buffer = buffer.subarray(safe);
            yield out;
          }
          if (!(await more())) throw new MultipartError('truncated multipart body');
        }
      })();
      yield {
        name: parameter(disposition, 'name') ?? '',
        filename: parameter(disposition, 'filename'),
        contentType: headers.get('content-type'),
        content,
      };
      if (!finished) {
        // A part left unread is skipped; one abandoned halfway would lose bytes silently.
        if (started) throw new MultipartError('a multipart part was read only in part');
        for await (const _chunk of content) {
          // skip
        }
      }
      // After the delimiter comes "--" (the end, checked at the top) or the next part's CRLF and headers.
    }
  } finally {
    reader.releaseLock();
  }
}
