// The root directory of a stored video, built from the CIDs its files already got, the way Kubo's
// `ipfs add -r` builds a (non-sharded) UnixFS directory: a dag-pb node whose Data is UnixFS {Type: Directory}
// and whose links are sorted by name, each carrying the child's cumulative size (Tsize). Building it here
// means the files are uploaded to each node once, individually, and the directory costs one `block/put`.
//
// Kubo switches to a HAMT-sharded directory once the estimated size of a directory's links passes 256 KiB
// (Import.UnixFSHAMTDirectorySizeThreshold); a rendition of at most 5,000 segments stays well below it.
import * as dagPb from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';
import { CID } from 'multiformats/cid';
import { sha256 } from 'multiformats/hashes/sha2';

export interface StoredEntry {
  /** Relative path with `/` separators. */
  path: string;
  cid: string;
  /** Cumulative DAG size of the file (Kubo's `add` Size). */
  dagBytes: number;
}

export interface DirectoryBlock {
  cid: string;
  bytes: Uint8Array;
  dagBytes: number;
}

interface Tree {
  files: Map<string, StoredEntry>;
  dirs: Map<string, Tree>;
}

function treeOf(entries: readonly StoredEntry[]): Tree {
  const root: Tree = { files: new Map(), dirs: new Map() };
  for (const entry of entries) {
    const parts = entry.path.split('/');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      let child = node.dirs.get(part);
      if (!child) {
        child = { files: new Map(), dirs: new Map() };
        node.dirs.set(part, child);
      }
      node = child;
    }
    node.files.set(parts.at(-1) as string, entry);
  }
  return root;
}

const DIRECTORY_DATA = new UnixFS({ type: 'directory' }).marshal();

async function build(tree: Tree, out: DirectoryBlock[]): Promise<DirectoryBlock> {
  const links: dagPb.PBLink[] = [];
  for (const [name, entry] of tree.files) links.push({ Name: name, Hash: CID.parse(entry.cid), Tsize: entry.dagBytes });
  for (const [name, child] of tree.dirs) {
    const block = await build(child, out);
    links.push({ Name: name, Hash: CID.parse(block.cid), Tsize: block.dagBytes });
  }
  const bytes = dagPb.encode(dagPb.prepare({ Data: DIRECTORY_DATA, Links: links }));
  const cid = CID.createV0(await sha256.digest(bytes));
  const block = { cid: cid.toString(), bytes, dagBytes: bytes.byteLength + links.reduce((sum, link) => sum + (link.Tsize ?? 0), 0) };
  out.push(block);
  return block;
}

/** Every directory block of the tree, children before parents; the last one is the root. */
export async function directoryBlocks(entries: readonly StoredEntry[]): Promise<DirectoryBlock[]> {
  const out: DirectoryBlock[] = [];
  await build(treeOf(entries), out);
  return out;
}
