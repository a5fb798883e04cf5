// kuboDefaultCid against vectors printed by Kubo-compatible tools (NOTES: `ipfs add` of "hello world\n"; the
// other CIDs were printed by Debian's independent `ipfs_cid`). test/tooling/ipfs-dev-node.test.ts re-checks
// random inputs against ipfs_cid itself.

import { importer } from 'ipfs-unixfs-importer';
import { describe, expect, it } from 'vitest';
import { directoryBlocks } from '../../../src/adapters/ipfs/unixfs-directory';
import { KUBO_DEFAULT_IMPORT_OPTIONS, kuboDefaultCid, matchesKuboCid } from '../../../src/shared/content-id';

const pattern = (size: number) => new Uint8Array(size).map((_, i) => (i * 31) % 251);

describe('kuboDefaultCid', () => {
  it('gives the known vector for "hello world\\n"', async () => {
    expect(await kuboDefaultCid(new TextEncoder().encode('hello world\n'))).toBe('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o');
  });

  it('gives the CID ipfs_cid printed for a 3 MiB + 17 byte patterned file', async () => {
    expect(await kuboDefaultCid(pattern(3 * 1024 * 1024 + 17))).toBe('QmWUj2EsgzfXotUgBwNSJugv7HUSxS8CJgcSvFUANCVwet');
  });

  it('tells a tampered segment from a good one', async () => {
    const bytes = pattern(300_000);
    const cid = await kuboDefaultCid(bytes);
    expect(await matchesKuboCid(bytes, cid)).toBe(true);
    const tampered = bytes.slice();
    tampered[123_456] = (tampered[123_456] ?? 0) ^ 1;
    expect(await matchesKuboCid(tampered, cid)).toBe(false);
  });
});

describe('video root directory', () => {
  it('equals the directory the unixfs importer builds from the same files', async () => {
    const files = new Map([
      ['master.m3u8', pattern(100)],
      ['360p/index.m3u8', pattern(200)],
      ['360p/seg_00000.m4s', pattern(300_000)],
      ['360p/seg_00001.m4s', pattern(1_000)],
      ['720p/seg_00000.m4s', pattern(5_000)],
      ['manifest.json', pattern(50)],
    ]);
    const entries = [];
    for (const [path, bytes] of files) {
      let dagBytes = 0;
      const blocks = {
        put: async (cid: never, block: Uint8Array) => {
          dagBytes += block.byteLength;
          return cid;
        },
      };
      let cid = '';
      for await (const entry of importer([{ content: bytes }], blocks, KUBO_DEFAULT_IMPORT_OPTIONS)) cid = entry.cid.toString();
      entries.push({ path, cid, dagBytes });
    }
    const ours = (await directoryBlocks(entries)).at(-1)?.cid;
    let theirs = '';
    const store = { put: async (cid: never) => cid };
    for await (const entry of importer(
      [...files].map(([path, content]) => ({ path: `video/${path}`, content })),
      store,
      KUBO_DEFAULT_IMPORT_OPTIONS,
    )) {
      if (entry.path === 'video') theirs = entry.cid.toString();
    }
    expect(ours).toBe(theirs);
    expect(ours).toMatch(/^Qm/);
  });
});
