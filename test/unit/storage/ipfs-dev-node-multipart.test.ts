// The development IPFS node's streaming multipart reader and `add`: bodies split anywhere (down to one byte per
// chunk) give the same parts, several files and directories in one request give the importer's CIDs, and a
// malformed body is a 400 with nothing pinned.
import { randomBytes } from 'node:crypto';
import { MemoryBlockstore } from 'blockstore-core/memory';
import { importer } from 'ipfs-unixfs-importer';
import { describe, expect, it } from 'vitest';
import { boundaryOf, readMultipart } from '../../../dev/ipfs-node/multipart';
import { createDevNodeHandler, MemoryPinStore } from '../../../dev/ipfs-node/node';
import { KUBO_DEFAULT_IMPORT_OPTIONS } from '../../../src/shared/content-id';

function streamOf(bytes: Uint8Array, chunkSize: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) controller.close();
      else {
        controller.enqueue(bytes.slice(offset, offset + chunkSize));
        offset += chunkSize;
      }
    },
  });
}

async function formBody(form: FormData) {
  const request = new Request('http://node/', { method: 'POST', body: form });
  return { type: request.headers.get('content-type') as string, bytes: new Uint8Array(await request.arrayBuffer()) };
}

async function collect(parts: AsyncIterable<{ name: string; filename?: string; content: AsyncIterable<Uint8Array> }>) {
  const out = [];
  for await (const part of parts) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of part.content) chunks.push(chunk);
    out.push({ name: part.name, filename: part.filename, bytes: Buffer.concat(chunks) });
  }
  return out;
}

function node() {
  const pins = new MemoryPinStore();
  const handler = createDevNodeHandler({
    blockstore: new MemoryBlockstore(),
    pins,
    peerId: '12D3KooWDevNodeUnitTest',
    storageMaxBytes: 1024 ** 3,
    repoPath: '/tmp/unit',
  });
  return { handler, pins };
}

describe('readMultipart', () => {
  it('yields the same parts however the body is split', async () => {
    const first = new Uint8Array(randomBytes(70_000));
    // Bytes that look like the start of a delimiter must stay content.
    const tricky = new TextEncoder().encode('a\r\n--not-the-boundary\r\n\r\nb\r\n-');
    const form = new FormData();
    form.append('note', 'a plain field');
    form.append('file', new Blob([first]), 'one.bin');
    form.append('file-1', new Blob([tricky]), 'dir%2Ftwo.txt');
    form.append('file-2', new Blob([]), 'empty');
    const { type, bytes } = await formBody(form);
    const boundary = boundaryOf(type) as string;
    for (const chunkSize of [1, 7, 64, 4096, bytes.length]) {
      const parts = await collect(readMultipart(streamOf(bytes, chunkSize), boundary));
      expect(parts.map((part) => [part.name, part.filename])).toEqual([
        ['note', undefined],
        ['file', 'one.bin'],
        ['file-1', 'dir%2Ftwo.txt'],
        ['file-2', 'empty'],
      ]);
      expect(parts[0]?.bytes.toString()).toBe('a plain field');
      expect(Buffer.compare(parts[1]?.bytes as Buffer, Buffer.from(first))).toBe(0);
      expect(Buffer.compare(parts[2]?.bytes as Buffer, Buffer.from(tricky))).toBe(0);
      expect(parts[3]?.bytes.length).toBe(0);
    }
  });

  it('skips parts that are not read', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(randomBytes(10_000))]), 'skipped');
    form.append('file-1', new Blob(['kept']), 'kept');
    const { type, bytes } = await formBody(form);
    const names = [];
    for await (const part of readMultipart(streamOf(bytes, 999), boundaryOf(type) as string)) {
      names.push(part.filename);
      if (part.filename !== 'kept') continue;
      const chunks: Uint8Array[] = [];
      for await (const chunk of part.content) chunks.push(chunk);
      expect(Buffer.concat(chunks).toString()).toBe('kept');
    }
    expect(names).toEqual(['skipped', 'kept']);
  });
});

describe('dev node add (streamed)', () => {
  it('adds several files and a directory in one request with the importer’s CIDs', async () => {
    const a = new Uint8Array(randomBytes(300_000));
    const b = new Uint8Array(randomBytes(1_000));
    const expected = new Map<string, string>();
    for await (const entry of importer(
      [
        { path: 'video/a.bin', content: a },
        { path: 'video/b.bin', content: b },
      ],
      new MemoryBlockstore(),
      KUBO_DEFAULT_IMPORT_OPTIONS,
    )) {
      expected.set(entry.path ?? '', entry.cid.toString());
    }
    const form = new FormData();
    form.append('dir', new File([''], 'video', { type: 'application/x-directory' }));
    form.append('file-1', new Blob([a]), encodeURIComponent('video/a.bin'));
    form.append('file-2', new Blob([b]), encodeURIComponent('video/b.bin'));
    const { handler, pins } = node();
    const response = await handler(new Request('http://node/api/v0/add?cid-version=0', { method: 'POST', body: form }));
    expect(response.status).toBe(200);
    const lines = (await response.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { Name: string; Hash: string });
    expect(new Map(lines.map((line) => [line.Name, line.Hash]))).toEqual(expected);
    // Kubo pins the top-level result: the directory.
    expect(pins.list()).toEqual([expected.get('video')]);
  });

  it('answers 400 for a truncated body and pins nothing', async () => {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(randomBytes(50_000))]), 'cut');
    const { type, bytes } = await formBody(form);
    const { handler, pins } = node();
    const response = await handler(
      new Request('http://node/api/v0/add', { method: 'POST', headers: { 'content-type': type }, body: bytes.slice(0, 30_000) }),
    );
    expect(response.status).toBe(400);
    expect(((await response.json()) as { Message: string }).Message).toMatch(/malformed multipart body/);
    expect(pins.list()).toEqual([]);
  });
});
