// Which Kubo RPC endpoints the Worker talks to, from its environment:
//   IPFS_API_URLS            var, comma-separated, each `[name=]url`, e.g. "eu=https://kubo-eu.internal:5001,us=…"
//                            (unnamed entries are called node-1, node-2, … in order)
//   IPFS_API_AUTHORIZATIONS  secret, comma-separated Authorization header values in the same order; one value
//                            applies to every node (a Kubo behind an auth proxy, or IPFS Cluster's proxy API)
//   IPFS_REPLICATION_FACTOR  var, how many nodes pin each video (default 1, capped at the node count)
//   IPFS_TIMEOUT_MS          var, per-call timeout (default 30000); kubo-rpc-client's own `timeout` option
//                            never applies, so every call carries an AbortSignal instead
// No URL → IPFS storage is off and published videos are served from R2 alone.
export interface IpfsNodeConfig {
  name: string;
  url: string;
  authorization?: string;
}

export interface IpfsConfig {
  nodes: IpfsNodeConfig[];
  replicationFactor: number;
  timeoutMs: number;
}

export interface IpfsEnv {
  IPFS_API_URLS?: string;
  IPFS_API_AUTHORIZATIONS?: string;
  IPFS_REPLICATION_FACTOR?: string;
  IPFS_TIMEOUT_MS?: string;
}

export const DEFAULT_IPFS_TIMEOUT_MS = 30_000;

export class IpfsConfigError extends Error {}

const NODE_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/i;

export function ipfsConfigOf(env: IpfsEnv): IpfsConfig | undefined {
  const entries = (env.IPFS_API_URLS ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0) return undefined;
  const authorizations = (env.IPFS_API_AUTHORIZATIONS ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean);
  if (authorizations.length > 1 && authorizations.length !== entries.length) {
    throw new IpfsConfigError('IPFS_API_AUTHORIZATIONS must hold one value, or one per IPFS_API_URLS entry');
  }
  const nodes = entries.map((entry, index): IpfsNodeConfig => {
    const named = /^([^=/:]+)=(.+)$/.exec(entry);
    const name = named ? (named[1] as string) : `node-${index + 1}`;
    const rawUrl = named ? (named[2] as string) : entry;
    if (!NODE_NAME.test(name)) throw new IpfsConfigError(`IPFS_API_URLS: "${name}" is not a valid node name`);
    let url: URL;
    try {
      url = new URL(rawUrl);
    } catch {
      throw new IpfsConfigError(`IPFS_API_URLS: entry ${index + 1} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new IpfsConfigError('IPFS_API_URLS: http(s) URLs only');
    const authorization = authorizations.length === 1 ? authorizations[0] : authorizations[index];
    return { name, url: url.toString().replace(/\/$/, ''), ...(authorization ? { authorization } : {}) };
  });
  if (new Set(nodes.map((node) => node.name)).size !== nodes.length) throw new IpfsConfigError('IPFS_API_URLS: node names repeat');
  const factor = Number(env.IPFS_REPLICATION_FACTOR ?? 1);
  const timeoutMs = Number(env.IPFS_TIMEOUT_MS ?? DEFAULT_IPFS_TIMEOUT_MS);
  if (!Number.isInteger(factor) || factor < 1) throw new IpfsConfigError('IPFS_REPLICATION_FACTOR must be a positive integer');
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100) throw new IpfsConfigError('IPFS_TIMEOUT_MS must be an integer ≥ 100');
  return { nodes, replicationFactor: Math.min(factor, nodes.length), timeoutMs };
}
