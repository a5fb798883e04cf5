import { describe, expect, it } from 'vitest';
import {
  avcCodecString,
  buildMasterPlaylist,
  measureBandwidth,
  PlaylistError,
  parseAttributes,
  parseMasterPlaylist,
  parseMediaPlaylist,
} from '../../../src/domain/packaging';

const FMP4_PLAYLIST = `#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:4
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MAP:URI="init.mp4"
#EXTINF:4.000000,
seg_00000.m4s
#EXTINF:4.000000,
seg_00001.m4s
#EXTINF:1.533333,
seg_00002.m4s
#EXT-X-ENDLIST
`;

const TS_PLAYLIST =
  '#EXTM3U\r\n#EXT-X-VERSION:3\r\n#EXT-X-TARGETDURATION:6\r\n#EXT-X-MEDIA-SEQUENCE:5\r\n#EXTINF:6.006,title\r\nsub/a.ts\r\n';

describe('parseMediaPlaylist', () => {
  it('reads segments, durations, the init section and the VOD tags of an fMP4 playlist', () => {
    const playlist = parseMediaPlaylist(FMP4_PLAYLIST);
    expect(playlist).toMatchObject({
      version: 7,
      targetDurationSeconds: 4,
      mediaSequence: 0,
      playlistType: 'VOD',
      map: { uri: 'init.mp4' },
      endList: true,
    });
    expect(playlist.segments).toEqual([
      { uri: 'seg_00000.m4s', durationSeconds: 4 },
      { uri: 'seg_00001.m4s', durationSeconds: 4 },
      { uri: 'seg_00002.m4s', durationSeconds: 1.533333 },
    ]);
  });

  it('reads an MPEG-TS playlist with CRLF line ends, titles and no init section', () => {
    const playlist = parseMediaPlaylist(TS_PLAYLIST);
    expect(playlist.map).toBeUndefined();
    expect(playlist.endList).toBe(false);
    expect(playlist.mediaSequence).toBe(5);
    expect(playlist.segments).toEqual([{ uri: 'sub/a.ts', durationSeconds: 6.006 }]);
  });

  it('rejects what is not a media playlist', () => {
    expect(() => parseMediaPlaylist('seg.ts\n')).toThrow(PlaylistError);
    expect(() => parseMediaPlaylist('#EXTM3U\nseg.ts\n')).toThrow(/without EXTINF/);
    expect(() => parseMediaPlaylist('#EXTM3U\n#EXTINF:abc,\nseg.ts\n')).toThrow(/invalid EXTINF/);
    expect(() => parseMediaPlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\na.m3u8\n')).toThrow(/master playlist/);
  });
});

describe('master playlists', () => {
  it('parses quoted attribute values that contain commas', () => {
    expect(parseAttributes('BANDWIDTH=800000,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=1280x720')).toEqual({
      BANDWIDTH: '800000',
      CODECS: 'avc1.64001f,mp4a.40.2',
      RESOLUTION: '1280x720',
    });
  });

  it('writes variants that read back the same', () => {
    const variants = [
      {
        uri: '360p/index.m3u8',
        bandwidth: 900_000,
        averageBandwidth: 700_000,
        resolution: '640x360',
        codecs: 'avc1.64001e,mp4a.40.2',
        frameRate: 30,
      },
      { uri: '720p/index.m3u8', bandwidth: 3_000_000, resolution: '1280x720', codecs: 'avc1.64001f,mp4a.40.2' },
    ];
    const text = buildMasterPlaylist(variants);
    expect(text).toContain(
      '#EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=700000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",FRAME-RATE=30.000\n360p/index.m3u8',
    );
    expect(parseMasterPlaylist(text)).toEqual(variants);
  });
});

describe('bandwidth and codecs', () => {
  it('takes BANDWIDTH from the busiest segment and AVERAGE-BANDWIDTH over the whole rendition', () => {
    const bandwidth = measureBandwidth(
      [
        { bytes: 500_000, durationSeconds: 4 },
        { bytes: 100_000, durationSeconds: 2 },
      ],
      1_000,
    );
    expect(bandwidth).toEqual({ peak: 1_000_000, average: Math.ceil((601_000 * 8) / 6) });
  });

  it('builds RFC 6381 avc1 strings from ffprobe profile names and levels', () => {
    expect(avcCodecString('High', 31)).toBe('avc1.64001f');
    expect(avcCodecString('Main', 30)).toBe('avc1.4d401e');
    expect(avcCodecString('Constrained Baseline', 30)).toBe('avc1.42e01e');
    expect(avcCodecString('High 4:4:4 Predictive', 31)).toBeUndefined();
    expect(avcCodecString('High', -99)).toBeUndefined();
  });
});
