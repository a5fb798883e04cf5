// Which configured IPFS nodes hold a video. Placement is rendezvous (highest-random-weight) hashing: every
// node gets a score from hash(node, video) and the top `factor` nodes win (Thaler & Ravishankar, "A Name-Based
// Mapping Scheme for Rendezvous", 1996). The same video lands on the same nodes every time, adding a node
// moves only the videos it now wins, and an unhealthy node is skipped in favour of the next-best one.

export interface NodeCandidate {
  name: string;
  healthy: boolean;
}

export interface ReplicationPlan {
  /** Nodes that should pin the video, best first. */
  targets: string[];
  /** Replicas wanted but impossible (fewer healthy nodes than the factor). */
  shortfall: number;
}

// FNV-1a 32-bit: small, fast and well spread for short strings; nothing here needs a cryptographic hash.
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export function rendezvousOrder(videoId: string, nodes: readonly string[]): string[] {
  return [...nodes].sort((a, b) => fnv1a(`${b}\u0000${videoId}`) - fnv1a(`${a}\u0000${videoId}`) || a.localeCompare(b));
}

/** The replication factor in effect: at least 1, at most the number of configured nodes. */
export function effectiveFactor(requested: number, nodeCount: number): number {
  if (nodeCount === 0) return 0;
  return Math.max(1, Math.min(Math.floor(requested) || 1, nodeCount));
}

export function planReplicas(videoId: string, nodes: readonly NodeCandidate[], factor: number): ReplicationPlan {
  const wanted = effectiveFactor(factor, nodes.length);
  const healthy = new Set(nodes.filter((node) => node.healthy).map((node) => node.name));
  const targets = rendezvousOrder(
    videoId,
    nodes.map((node) => node.name),
  )
    .filter((name) => healthy.has(name))
    .slice(0, wanted);
  return { targets, shortfall: wanted - targets.length };
}

export interface PinObservation {
  node: string;
  pinned: boolean;
}

/**
 * Repair: given which nodes currently pin a root, which should gain a pin (the plan's targets that lack it)
 * and whether the video is under-replicated at all. Extra pins on other nodes are left alone: they cost
 * space but never availability, and the garbage report lists them.
 */
export function repairActions(plan: ReplicationPlan, observed: readonly PinObservation[]): { repin: string[]; underReplicated: boolean } {
  const pinned = new Set(observed.filter((entry) => entry.pinned).map((entry) => entry.node));
  const repin = plan.targets.filter((node) => !pinned.has(node));
  return { repin, underReplicated: repin.length > 0 || plan.shortfall > 0 };
}
