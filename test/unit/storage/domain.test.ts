import { describe, expect, it } from 'vitest';
import type { IntegrityManifest } from '../../../src/domain/packaging/manifest';
import { garbageReport } from '../../../src/domain/storage/garbage';
import { canTransition, needsWork, storageJobId } from '../../../src/domain/storage/jobs';
import { assessNode } from '../../../src/domain/storage/node-health';
import { checkQuota, manifestBytes, PLAYLIST_ALLOWANCE_BYTES } from '../../../src/domain/storage/quota';
import { effectiveFactor, planReplicas, rendezvousOrder, repairActions } from '../../../src/domain/storage/replication';

const nodes = (names: string[], down: string[] = []) => names.map((name) => ({ name, healthy: !down.includes(name) }));

describe('replication plan', () => {
  it('places a video on the same nodes every time, whatever the order nodes are listed in', () => {
    const a = planReplicas('vid_1', nodes(['a', 'b', 'c', 'd']), 2);
    const b = planReplicas('vid_1', nodes(['d', 'c', 'b', 'a']), 2);
    expect(a.targets).toEqual(b.targets);
    expect(a.targets).toHaveLength(2);
    expect(a.shortfall).toBe(0);
  });

  it('spreads videos over the nodes', () => {
    const firstChoice = new Map<string, number>();
    for (let i = 0; i < 400; i += 1) {
      const [first] = rendezvousOrder(`vid_${i}`, ['a', 'b', 'c', 'd']);
      firstChoice.set(first as string, (firstChoice.get(first as string) ?? 0) + 1);
    }
    // 100 expected per node; rendezvous hashing with FNV-1a stays well within ±50 % here.
    for (const name of ['a', 'b', 'c', 'd']) expect(firstChoice.get(name)).toBeGreaterThan(50);
  });

  it('adding a node moves only the videos the new node wins', () => {
    let moved = 0;
    for (let i = 0; i < 300; i += 1) {
      const before = planReplicas(`vid_${i}`, nodes(['a', 'b', 'c']), 1).targets[0];
      const after = planReplicas(`vid_${i}`, nodes(['a', 'b', 'c', 'd']), 1).targets[0];
      if (before !== after) {
        expect(after).toBe('d');
        moved += 1;
      }
    }
    expect(moved).toBeGreaterThan(0);
  });

  it('skips unhealthy nodes for the next best and reports a shortfall when too few are healthy', () => {
    const order = rendezvousOrder('vid_x', ['a', 'b', 'c']);
    const plan = planReplicas('vid_x', nodes(['a', 'b', 'c'], [order[0] as string]), 2);
    expect(plan.targets).toEqual([order[1], order[2]]);
    const short = planReplicas('vid_x', nodes(['a', 'b', 'c'], ['a', 'b']), 2);
    expect(short.targets).toEqual(['c']);
    expect(short.shortfall).toBe(1);
  });

  it('caps the factor at the node count and floors it at one', () => {
    expect(effectiveFactor(5, 2)).toBe(2);
    expect(effectiveFactor(0, 3)).toBe(1);
    expect(effectiveFactor(2, 0)).toBe(0);
  });

  it('repair re-pins exactly the planned nodes that lost their pin', () => {
    const plan = { targets: ['a', 'b'], shortfall: 0 };
    expect(
      repairActions(plan, [
        { node: 'a', pinned: true },
        { node: 'b', pinned: false },
        { node: 'c', pinned: true },
      ]),
    ).toEqual({ repin: ['b'], underReplicated: true });
    expect(
      repairActions(plan, [
        { node: 'a', pinned: true },
        { node: 'b', pinned: true },
      ]),
    ).toEqual({ repin: [], underReplicated: false });
  });
});

describe('quota', () => {
  const manifest = {
    renditions: [
      {
        playlist: '360p/index.m3u8',
        init: { path: '360p/init.mp4', bytes: 1000, sha256: '' },
        segments: [{ path: '360p/s0.m4s', bytes: 5000 }],
      },
      { playlist: '720p/index.m3u8', segments: [{ path: '720p/s0.m4s', bytes: 9000 }] },
    ],
  } as unknown as IntegrityManifest;

  it('counts every listed file plus a playlist allowance per rendition and the master playlist', () => {
    expect(manifestBytes(manifest)).toBe(15_000 + 3 * PLAYLIST_ALLOWANCE_BYTES);
  });

  it('accepts up to the quota exactly and refuses one byte more', () => {
    expect(checkQuota({ usedBytes: 900, replacingBytes: 0, requestedBytes: 100, quotaBytes: 1000 })).toEqual({
      ok: true,
      usedAfterBytes: 1000,
    });
    expect(checkQuota({ usedBytes: 901, replacingBytes: 0, requestedBytes: 100, quotaBytes: 1000 })).toEqual({
      ok: false,
      usedBytes: 901,
      quotaBytes: 1000,
      requestedBytes: 100,
    });
  });

  it('gives back the space of the manifest being replaced', () => {
    expect(checkQuota({ usedBytes: 1000, replacingBytes: 400, requestedBytes: 300, quotaBytes: 1000 })).toEqual({
      ok: true,
      usedAfterBytes: 900,
    });
  });
});

describe('garbage report', () => {
  it('finds orphaned pins, missing replicas and stale records, and judges no unreachable node', () => {
    const report = garbageReport({
      liveRoots: new Map([
        ['v1', 'QmRoot1'],
        ['v2', 'QmRoot2'],
      ]),
      recorded: [
        { cid: 'QmRoot1', node: 'a', videoId: 'v1' },
        { cid: 'QmRoot1', node: 'b', videoId: 'v1' },
        { cid: 'QmRoot2', node: 'c', videoId: 'v2' },
        { cid: 'QmGone', node: 'a', videoId: 'v3' },
      ],
      pinsByNode: new Map([
        ['a', new Set(['QmRoot1', 'QmGone', 'QmStray'])],
        ['b', new Set<string>()],
        // c unreachable: absent
      ]),
    });
    expect(report.orphaned).toEqual([
      { node: 'a', cid: 'QmGone' },
      { node: 'a', cid: 'QmStray' },
    ]);
    expect(report.missing).toEqual([{ cid: 'QmRoot1', node: 'b', videoId: 'v1' }]);
    expect(report.stale).toEqual([{ cid: 'QmGone', node: 'a', videoId: 'v3' }]);
  });
});

describe('job state and node health', () => {
  it('allows retries and completion but nothing after done', () => {
    expect(canTransition('queued', 'running')).toBe(true);
    expect(canTransition('running', 'queued')).toBe(true);
    expect(canTransition('running', 'done')).toBe(true);
    expect(canTransition('done', 'running')).toBe(false);
    expect(canTransition('failed', 'queued')).toBe(true);
    expect(needsWork('done')).toBe(false);
    expect(needsWork(undefined)).toBe(true);
    expect(storageJobId('store', 'vid_1')).toBe('store:vid_1');
  });

  it('reports free space and flags a node under the low-space ratio', () => {
    expect(assessNode('a', { repoBytes: 95, storageMaxBytes: 100, objects: 3 }, 0.1)).toEqual({
      node: 'a',
      reachable: true,
      freeBytes: 5,
      freeRatio: 0.05,
      lowSpace: true,
    });
    expect(assessNode('a', { repoBytes: 50, storageMaxBytes: 100, objects: 3 }, 0.1).lowSpace).toBe(false);
    expect(assessNode('b', null)).toEqual({ node: 'b', reachable: false, freeBytes: null, freeRatio: null, lowSpace: false });
  });
});

describe('playlist references', async () => {
  const { missingReferences, playlistUris, resolveAgainst } = await import('../../../src/domain/storage/playlist-check');
  const media = '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:4.0,\nseg_00000.m4s\n#EXTINF:4.0,\nseg_00001.m4s\n#EXT-X-ENDLIST\n';

  it('lists segment lines and URI attributes', () => {
    expect(playlistUris(media)).toEqual(['init.mp4', 'seg_00000.m4s', 'seg_00001.m4s']);
  });

  it('resolves relative to the playlist and refuses escapes and absolute URLs', () => {
    expect(resolveAgainst('360p/index.m3u8', 'seg_1.m4s')).toBe('360p/seg_1.m4s');
    expect(resolveAgainst('master.m3u8', '720p/index.m3u8')).toBe('720p/index.m3u8');
    expect(resolveAgainst('360p/index.m3u8', '../720p/seg.m4s')).toBe('720p/seg.m4s');
    expect(resolveAgainst('master.m3u8', '../etc/passwd')).toBeUndefined();
    expect(resolveAgainst('master.m3u8', 'https://elsewhere.example/seg.m4s')).toBeUndefined();
  });

  it('names the segments a playlist references that the package lacks', () => {
    const known = new Set(['360p/init.mp4', '360p/seg_00000.m4s']);
    expect(missingReferences('360p/index.m3u8', media, known)).toEqual(['seg_00001.m4s']);
    expect(missingReferences('360p/index.m3u8', media, new Set([...known, '360p/seg_00001.m4s']))).toEqual([]);
  });
});

describe('storage metrics exposition', async () => {
  const { renderStorageMetrics } = await import('../../../src/domain/storage/metrics');
  it('renders gauges per node and jobs per state, leaving unknown values out', () => {
    const text = renderStorageMetrics(
      [
        { node: 'alpha', reachable: true, repoBytes: 900, storageMaxBytes: 1000, freeRatio: 0.1, swarmPeers: 2, pinnedRoots: 3 },
        { node: 'beta', reachable: false, repoBytes: null, storageMaxBytes: null, freeRatio: null, swarmPeers: null, pinnedRoots: 1 },
      ],
      { done: 4, failed: 1 },
    );
    expect(text).toContain('# TYPE vibestream_ipfs_free_ratio gauge\n');
    expect(text).toContain('vibestream_ipfs_node_up{node="alpha"} 1\n');
    expect(text).toContain('vibestream_ipfs_node_up{node="beta"} 0\n');
    expect(text).toContain('vibestream_ipfs_repo_bytes{node="alpha"} 900\n');
    expect(text).not.toContain('vibestream_ipfs_repo_bytes{node="beta"}');
    expect(text).toContain('vibestream_ipfs_pinned_roots{node="beta"} 1\n');
    expect(text).toContain('vibestream_ipfs_jobs{state="failed"} 1\n');
    expect(text.endsWith('\n')).toBe(true);
  });
});
