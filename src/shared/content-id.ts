// The content id Kubo gives a file with its default `ipfs add` settings (CIDv0, dag-pb leaves, 256 KiB fixed
// chunks, balanced DAG of at most 174 links per node). The Worker records it for every stored file and the
// player recomputes it for every peer-served segment, so both must agree with Kubo byte for byte.
//
// Only ipfs-unixfs-importer and multiformats are imported (both run unchanged in Node, workerd and browsers).
// The importer writes every block it builds to a blockstore; computing an id needs none of them kept, so the
// store below only counts them and keeps nothing (a segment is hashed without doubling its memory).
import { importer, type WritableStorage } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import type { CID } from 'multiformats/cid';

/** Kubo's `ipfs add` chunker default (`size-262144`). */
export const KUBO_CHUNK_BYTES = 262_144;
/** Kubo's balanced layout: at most 174 links per dag-pb node (go-unixfs `DefaultLinksPerBlock`). */
export const KUBO_MAX_CHILDREN_PER_NODE = 174;

/** The importer options that reproduce `ipfs add` with Kubo's defaults (CIDv0 implies dag-pb leaves). */
export const KUBO_DEFAULT_IMPORT_OPTIONS = {
  cidVersion: 0,
  rawLeaves: false,
  reduceSingleLeafToSelf: true,
  chunker: fixedSize({ chunkSize: KUBO_CHUNK_BYTES }),
  layout: balanced({ maxChildrenPerNode: KUBO_MAX_CHILDREN_PER_NODE }),
} as const;

class CountingBlockstore implements WritableStorage {
  blocks = 0;
  async put(cid: CID): Promise<CID> {
    this.blocks += 1;
    return cid;
  }
}

/** The CIDv0 (`Qm…`) Kubo's default `ipfs add` prints for a file holding exactly `bytes`. */
export async function kuboDefaultCid(bytes: Uint8Array): Promise<string> {
  let root: CID | undefined;
  for await (const entry of importer([{ content: bytes }], new CountingBlockstore(), KUBO_DEFAULT_IMPORT_OPTIONS)) root = entry.cid;
  if (!root) throw new Error('the importer produced no root block');
  return root.toString();
}

/** True when `bytes` hash to `expectedCid` under Kubo's defaults; what a player checks before playing a peer segment. */
export async function matchesKuboCid(bytes: Uint8Array, expectedCid: string): Promise<boolean> {
  return (await kuboDefaultCid(bytes)) === expectedCid;
}
