// Storage gauges in the Prometheus text exposition format 0.0.4, scraped from GET /api/v1/admin/storage/metrics
// beside the request/queue counters of /api/v1/monitoring/metrics. Gauges, read live at scrape time: node
// state lives on the nodes, not in our counters.
import { escapeLabelValue, formatValue, METRIC_PREFIX } from '../monitoring/exposition';
import type { StorageJobState } from './jobs';

export interface StorageNodeSample {
  node: string;
  reachable: boolean;
  repoBytes: number | null;
  storageMaxBytes: number | null;
  freeRatio: number | null;
  swarmPeers: number | null;
  pinnedRoots: number;
}

function family(name: string, help: string, samples: { labels: Record<string, string>; value: number | null }[]): string[] {
  const full = `${METRIC_PREFIX}${name}`;
  const lines = [`# HELP ${full} ${help}`, `# TYPE ${full} gauge`];
  for (const { labels, value } of samples) {
    if (value === null) continue;
    const rendered = Object.entries(labels)
      .map(([key, text]) => `${key}="${escapeLabelValue(text)}"`)
      .join(',');
    lines.push(`${full}${rendered ? `{${rendered}}` : ''} ${formatValue(value)}`);
  }
  return lines;
}

export function renderStorageMetrics(nodes: StorageNodeSample[], jobs: Partial<Record<StorageJobState, number>>): string {
  const byNode = (pick: (node: StorageNodeSample) => number | null) =>
    nodes.map((node) => ({ labels: { node: node.node }, value: pick(node) }));
  return `${[
    ...family(
      'ipfs_node_up',
      'Whether the IPFS node answered id and repo/stat (1) or not (0).',
      byNode((node) => (node.reachable ? 1 : 0)),
    ),
    ...family(
      'ipfs_repo_bytes',
      'Bytes stored by the node (repo/stat RepoSize).',
      byNode((node) => node.repoBytes),
    ),
    ...family(
      'ipfs_storage_max_bytes',
      'Storage limit of the node (repo/stat StorageMax).',
      byNode((node) => node.storageMaxBytes),
    ),
    ...family(
      'ipfs_free_ratio',
      'Free share of StorageMax; the low-space alert fires below its threshold.',
      byNode((node) => node.freeRatio),
    ),
    ...family(
      'ipfs_swarm_peers',
      'Peers connected to the node (swarm/peers).',
      byNode((node) => node.swarmPeers),
    ),
    ...family(
      'ipfs_pinned_roots',
      'Video roots D1 records as pinned on the node.',
      byNode((node) => node.pinnedRoots),
    ),
    ...family(
      'ipfs_jobs',
      'Storage jobs by state.',
      Object.entries(jobs).map(([state, count]) => ({ labels: { state }, value: count ?? 0 })),
    ),
  ].join('\n')}\n`;
}
