import { describe, expect, it } from 'vitest';
import { AssemblyError, assembleManifest } from '../../../src/domain/packaging/assemble';
import { type FileDigest, manifestFiles, packageFacts } from '../../../src/domain/packaging/manifest';
import { parseMasterPlaylist } from '../../../src/domain/packaging/playlist';

// What the browser packager's muxer writes for one rendition (Mediabunny's VOD media playlist).
const PLAYLIST = `#EXTM3U
#EXT-X-VERSION:6
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-TARGETDURATION:2
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MAP:URI="init.mp4"

#EXTINF:2,
seg_00000.m4s
#EXTINF:1.5,
seg_00001.m4s

#EXT-X-ENDLIST
`;

const digest = (path: string, bytes: number): FileDigest => ({ path, bytes, sha256: path.length.toString(16).padStart(64, '0') });

const digests = new Map(
  [
    digest('360p/init.mp4', 700),
    digest('360p/seg_00000.m4s', 100_000),
    digest('360p/seg_00001.m4s', 50_000),
    digest('poster.jpg', 9_000),
  ].map((file) => [file.path, file]),
);

const source = { name: 'clip.mp4', bytes: 1_000_000, sha256: 'b'.repeat(64), durationSeconds: 3.5, width: 640, height: 360 };

describe('assembling a browser-made package', () => {
  it('builds the manifest from the playlist order, the digests and the stills, and a master with measured bandwidth', () => {
    const { manifest, masterPlaylist } = assembleManifest({
      createdAt: new Date('2026-12-07T00:00:00Z'),
      source,
      renditions: [
        { name: '360p', playlistPath: '360p/index.m3u8', playlistText: PLAYLIST, codecs: 'avc1.64001e,mp4a.40.2', resolution: '640x360' },
      ],
      digests,
      poster: digests.get('poster.jpg'),
    });
    expect(manifestFiles(manifest).map((file) => file.path)).toEqual([
      '360p/init.mp4',
      '360p/seg_00000.m4s',
      '360p/seg_00001.m4s',
      'poster.jpg',
    ]);
    expect(manifest.renditions[0]?.segments.map((segment) => [segment.index, segment.durationSeconds])).toEqual([
      [0, 2],
      [1, 1.5],
    ]);
    // Peak: 100,000 bytes in 2 s = 400 kbit/s; average includes the init segment.
    expect(manifest.renditions[0]?.bandwidth).toBe(400_000);
    expect(parseMasterPlaylist(masterPlaylist)).toEqual([
      {
        uri: '360p/index.m3u8',
        bandwidth: 400_000,
        averageBandwidth: Math.ceil((150_700 * 8) / 3.5),
        resolution: '640x360',
        codecs: 'avc1.64001e,mp4a.40.2',
      },
    ]);
    expect(packageFacts(manifest)).toEqual({ durationSeconds: 3.5, posterPath: 'poster.jpg', storyboard: null, contentEncryption: 'none' });
  });

  it('refuses a playlist that names a segment the packager never wrote, or one that is not finished', () => {
    const rendition = { name: '360p', playlistPath: '360p/index.m3u8', codecs: 'avc1.64001e', resolution: '640x360' };
    const missing = new Map([...digests].filter(([path]) => path !== '360p/seg_00001.m4s'));
    expect(() =>
      assembleManifest({ createdAt: new Date(), source, renditions: [{ ...rendition, playlistText: PLAYLIST }], digests: missing }),
    ).toThrow(AssemblyError);
    expect(() =>
      assembleManifest({
        createdAt: new Date(),
        source,
        renditions: [{ ...rendition, playlistText: PLAYLIST.replace('#EXT-X-ENDLIST', '') }],
        digests,
      }),
    ).toThrow(/not a finished VOD playlist/);
  });
});
