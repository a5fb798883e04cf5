// Sending bytes with progress: fetch() cannot report upload progress, XMLHttpRequest's `upload.onprogress` can,
// so binary bodies go through XHR. The access token is attached like apiRequest does, a 401 refreshes the
// session once, and network failures and 5xx answers are retried with backoff (a part is idempotent: re-sending
// it replaces it).
import { ApiError, refreshSession } from '../api';
import { session } from '../session';

// A dropped connection or a restarting server is waited out for about half a minute before a file is given up:
// a long upload should survive a deploy or a Wi-Fi hiccup.
const BACKOFF_MS = [500, 2000, 5000, 10_000, 15_000];
const RETRIES = BACKOFF_MS.length;

interface SendOptions {
  method: 'PUT' | 'POST';
  url: string;
  /**
   * An ArrayBuffer is sent as is and released with the request. A Blob's bytes live in the browser process until
   * the page's garbage collector frees the Blob object — which nothing prompts, since a Blob costs the page almost
   * no memory — so a long upload of Blobs grows the browser process by what it sends.
   */
  body: Blob | ArrayBuffer;
  /** Bytes of this request sent so far (resets to 0 when the request is retried). */
  onProgress: (sentBytes: number) => void;
  signal?: AbortSignal;
  /** Extra request headers, e.g. the body's declared SHA-256. */
  headers?: Record<string, string>;
}

function once(options: SendOptions, token: string | null): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(options.method, options.url);
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    for (const [name, value] of Object.entries(options.headers ?? {})) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => options.onProgress(event.loaded);
    xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'The connection dropped while uploading'));
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(options.body);
  });
}

function toApiError(status: number, text: string): ApiError {
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string; details?: unknown } };
    return new ApiError(status, error.code, error.message, error.details);
  } catch {
    return new ApiError(status, `http_${status}`, `The server answered ${status}`);
  }
}

/** Sends `body`; resolves with the parsed JSON answer (or undefined for 204), rejects with an ApiError. */
export async function sendBytes<T>(options: SendOptions): Promise<T> {
  let refreshed = false;
  for (let attempt = 0; ; attempt += 1) {
    if (session.needsRefresh()) await refreshSession();
    const token = session.accessToken;
    options.onProgress(0);
    let answer: { status: number; text: string };
    try {
      answer = await once(options, token);
    } catch (error) {
      if (error instanceof ApiError && attempt < RETRIES) {
        await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS[attempt]));
        continue;
      }
      throw error;
    }
    if (answer.status === 401 && !refreshed) {
      refreshed = true;
      if (await refreshSession()) continue;
    }
    if (answer.status >= 500 && attempt < RETRIES) {
      await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS[attempt]));
      continue;
    }
    if (answer.status < 200 || answer.status >= 300) throw toApiError(answer.status, answer.text);
    return (answer.text ? JSON.parse(answer.text) : undefined) as T;
  }
}
