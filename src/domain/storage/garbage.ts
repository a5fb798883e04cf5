// The garbage report: pins no video needs any more (orphans: their video is gone or now has another root)
// and roots a video needs that a node has lost (missing). Input is what D1 records and what each node's
// `pin ls` answers; output is what an operator (or the repair cron) acts on.

export interface RecordedPin {
  cid: string;
  node: string;
  videoId: string;
}

export interface GarbageReport {
  /** Pinned on a node, but no live video has this root. Safe to unpin. */
  orphaned: { node: string; cid: string }[];
  /** Recorded as pinned in D1, but the node no longer pins it. The repair cron re-pins these. */
  missing: { node: string; cid: string; videoId: string }[];
  /** Recorded pins whose video no longer exists (unpin still pending). */
  stale: { node: string; cid: string; videoId: string }[];
}

export function garbageReport(input: {
  /** Root CID of every live stored video. */
  liveRoots: ReadonlyMap<string, string>; // videoId → rootCid
  recorded: readonly RecordedPin[];
  /** What each reachable node pins (recursive). Unreachable nodes are absent and judged on nothing. */
  pinsByNode: ReadonlyMap<string, ReadonlySet<string>>;
}): GarbageReport {
  const liveCids = new Set(input.liveRoots.values());
  const orphaned: GarbageReport['orphaned'] = [];
  for (const [node, pins] of input.pinsByNode) {
    for (const cid of pins) if (!liveCids.has(cid)) orphaned.push({ node, cid });
  }
  const missing: GarbageReport['missing'] = [];
  const stale: GarbageReport['stale'] = [];
  for (const pin of input.recorded) {
    const live = input.liveRoots.get(pin.videoId) === pin.cid;
    if (!live) {
      stale.push(pin);
      continue;
    }
    const pins = input.pinsByNode.get(pin.node);
    if (pins && !pins.has(pin.cid)) missing.push(pin);
  }
  const order = (a: { node: string; cid: string }, b: { node: string; cid: string }) =>
    a.node.localeCompare(b.node) || a.cid.localeCompare(b.cid);
  return { orphaned: orphaned.sort(order), missing: missing.sort(order), stale: stale.sort(order) };
}
