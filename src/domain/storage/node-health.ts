// Node health from `repo stat` (+ whether `id` answered): free space and whether it is low. Kubo's
// StorageMax is the soft limit its GC watermark works against (Datastore.StorageMax, default 10 GB).
export const DEFAULT_LOW_SPACE_RATIO = 0.1;

export interface RepoStat {
  repoBytes: number;
  storageMaxBytes: number;
  objects: number;
}

export interface NodeHealth {
  node: string;
  reachable: boolean;
  freeBytes: number | null;
  freeRatio: number | null;
  lowSpace: boolean;
}

export function assessNode(node: string, stat: RepoStat | null, lowSpaceRatio = DEFAULT_LOW_SPACE_RATIO): NodeHealth {
  if (!stat) return { node, reachable: false, freeBytes: null, freeRatio: null, lowSpace: false };
  const freeBytes = Math.max(0, stat.storageMaxBytes - stat.repoBytes);
  const freeRatio = stat.storageMaxBytes > 0 ? freeBytes / stat.storageMaxBytes : 0;
  return { node, reachable: true, freeBytes, freeRatio, lowSpace: freeRatio < lowSpaceRatio };
}
