import { describe, expect, it } from 'vitest';
import { addTokenToPlaylist, withTokenQuery } from '../../../src/domain/payments/playlist-token';

const TOKEN = 'eyJ.a-b_c.d';

describe('playback token in playlists', () => {
  it('adds pt to every URI of a media playlist, including the init segment, and leaves tags alone', () => {
    const media = [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-TARGETDURATION:4',
      '#EXT-X-MAP:URI="init.mp4"',
      '#EXTINF:4.0,',
      'seg_00000.m4s',
      '# a comment with URI="x"',
      '#EXTINF:4.0,',
      'seg_00001.m4s?v=2',
      '#EXT-X-ENDLIST',
      '',
    ].join('\n');
    expect(addTokenToPlaylist(media, TOKEN).split('\n')).toEqual([
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-TARGETDURATION:4',
      `#EXT-X-MAP:URI="init.mp4?pt=${TOKEN}"`,
      '#EXTINF:4.0,',
      `seg_00000.m4s?pt=${TOKEN}`,
      '# a comment with URI="x"',
      '#EXTINF:4.0,',
      `seg_00001.m4s?v=2&pt=${TOKEN}`,
      '#EXT-X-ENDLIST',
      '',
    ]);
  });

  it('rewrites master playlist variants and renditions, CRLF kept', () => {
    const master =
      '#EXTM3U\r\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",URI="audio/index.m3u8"\r\n#EXT-X-STREAM-INF:BANDWIDTH=1\r\n360p/index.m3u8\r\n';
    expect(addTokenToPlaylist(master, TOKEN)).toBe(
      `#EXTM3U\r\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",URI="audio/index.m3u8?pt=${TOKEN}"\r\n#EXT-X-STREAM-INF:BANDWIDTH=1\r\n360p/index.m3u8?pt=${TOKEN}\r\n`,
    );
  });

  it('replaces an old token instead of adding a second, and encodes what needs it', () => {
    expect(withTokenQuery('a.m4s?pt=old&x=1#f', 'new')).toBe('a.m4s?x=1&pt=new#f');
    expect(withTokenQuery('a.m4s', 'a+b/c=')).toBe('a.m4s?pt=a%2Bb%2Fc%3D');
  });
});
