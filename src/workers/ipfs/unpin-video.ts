// Deleting a video releases its storage: every node that pins its root unpins it (Kubo's GC then reclaims the
// blocks), the pin rows go, and its files leave R2. The edge cache needs no purge: the hls route looks the
// video up in D1 before it consults the cache, so a deleted video's cached files are never served again and
// expire on their own.
import { openDatabase } from '../../adapters/db/client';
import { deletePinStatement, liveRoots, pinsOf, setJobStateStatement } from '../../adapters/db/ipfs-repo';
import { ipfsConfigOf } from '../../adapters/ipfs/config';
import { kuboNodes } from '../../adapters/ipfs/kubo';
import type { Env } from '../../env';

const R2_LIST_LIMIT = 1000;

export async function deleteVideoFiles(bucket: R2Bucket, videoId: string): Promise<number> {
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: `videos/${videoId}/`, limit: R2_LIST_LIMIT, ...(cursor ? { cursor } : {}) });
    if (page.objects.length > 0) await bucket.delete(page.objects.map((object) => object.key));
    deleted += page.objects.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}

export async function unpinVideo(env: Env, videoId: string, now = Date.now()): Promise<{ unpinned: number; leftPinned: number }> {
  const db = openDatabase(env.DB);
  const pins = await pinsOf(db, { videoId });
  // Two videos with byte-identical packages share a root; it stays pinned while a live video still needs it.
  const stillNeeded = new Set((await liveRoots(db)).values());
  const config = ipfsConfigOf(env);
  const nodes = config ? kuboNodes(config.nodes, config.timeoutMs) : [];
  let unpinned = 0;
  let leftPinned = 0;
  for (const pin of pins) {
    const node = nodes.find((candidate) => candidate.name === pin.node);
    // A node no longer configured cannot be reached; its row stays for the garbage report.
    if (!node) {
      leftPinned += 1;
      continue;
    }
    if (!stillNeeded.has(pin.cid)) await node.unpin(pin.cid);
    await deletePinStatement(db, pin.cid, pin.node).run();
    unpinned += 1;
  }
  await deleteVideoFiles(env.UPLOADS, videoId);
  await db.batch([setJobStateStatement(db, 'unpin', videoId, 'done', now)]);
  return { unpinned, leftPinned };
}
