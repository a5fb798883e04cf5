import { describe, expect, it } from 'vitest';
import {
  ContentKeyUnwrapError,
  canChangeAccess,
  checkPublishEncryption,
  decryptSegment,
  encryptedMediaPlaylist,
  encryptPackage,
  encryptSegment,
  initSegmentIv,
  keyUriFor,
  requiredEncryption,
  segmentIv,
  segmentPositions,
  unwrapContentKey,
  wrapContentKey,
} from '../../../src/domain/content-encryption';
import { buildManifest, sha256HexOfBytes } from '../../../src/domain/packaging/manifest';
import { PlaylistError } from '../../../src/domain/packaging/playlist';

const KEY = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
const PLAYLIST = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-TARGETDURATION:2',
  '#EXT-X-MEDIA-SEQUENCE:0',
  '#EXT-X-MAP:URI="init.mp4"',
  '#EXTINF:2.0,',
  'seg_00000.m4s',
  '#EXTINF:2.0,',
  'seg_00001.m4s',
  '#EXT-X-ENDLIST',
  '',
].join('\n');

describe('segment cipher (HLS AES-128)', () => {
  it('uses the media sequence number as a big-endian IV, and 2^127 for the init segment', () => {
    expect([...segmentIv(0)]).toEqual(new Array(16).fill(0));
    expect([...segmentIv(258)].slice(-2)).toEqual([1, 2]);
    expect(initSegmentIv()[0]).toBe(0x80);
    expect(() => segmentIv(-1)).toThrow(RangeError);
  });

  it('encrypts whole segments with PKCS#7 padding and decrypts them back', async () => {
    const clear = new TextEncoder().encode('ftypisom and some video bytes');
    const cipher = await encryptSegment(KEY, segmentIv(3), clear);
    expect(cipher.byteLength).toBe(32);
    expect(await decryptSegment(KEY, segmentIv(3), cipher)).toEqual(clear);
    await expect(decryptSegment(KEY, segmentIv(4), cipher)).resolves.not.toEqual(clear);
  });

  it('writes a key tag with explicit IV before EXT-X-MAP and one without before the first segment', () => {
    const text = encryptedMediaPlaylist('360p/index.m3u8', PLAYLIST);
    const lines = text.split('\n');
    const map = lines.indexOf('#EXT-X-MAP:URI="init.mp4"');
    expect(lines[map - 1]).toBe('#EXT-X-KEY:METHOD=AES-128,URI="../key",IV=0x80000000000000000000000000000000');
    expect(lines[map + 1]).toBe('#EXT-X-KEY:METHOD=AES-128,URI="../key"');
    expect(lines.filter((line) => line.startsWith('#EXT-X-KEY'))).toHaveLength(2);
    expect(() => encryptedMediaPlaylist('360p/index.m3u8', text)).toThrow(PlaylistError);
    expect(keyUriFor('index.m3u8')).toBe('key');
  });

  it('gives each file of a playlist its position, honouring EXT-X-MEDIA-SEQUENCE', () => {
    const positions = segmentPositions('360p/index.m3u8', PLAYLIST.replace('SEQUENCE:0', 'SEQUENCE:5'));
    expect(positions.get('360p/init.mp4')).toEqual({ kind: 'init' });
    expect(positions.get('360p/seg_00001.m4s')).toEqual({ kind: 'segment', mediaSequence: 6 });
  });

  it('encrypts a clear package: ciphertext digests in the manifest, key tags in playlists, stills untouched', async () => {
    const files = new Map<string, Uint8Array>([
      ['360p/index.m3u8', new TextEncoder().encode(PLAYLIST)],
      ['360p/init.mp4', new TextEncoder().encode('ftyp....moov')],
      ['360p/seg_00000.m4s', new Uint8Array(100).fill(1)],
      ['360p/seg_00001.m4s', new Uint8Array(100).fill(2)],
    ]);
    const digest = async (path: string) => ({
      path,
      bytes: files.get(path)?.byteLength ?? 0,
      sha256: await sha256HexOfBytes(files.get(path) as Uint8Array),
    });
    const manifest = buildManifest({
      createdAt: new Date(0),
      source: { name: 'a.mp4', bytes: 1, sha256: 'a'.repeat(64), durationSeconds: 4, width: 640, height: 360 },
      poster: { path: 'poster.jpg', bytes: 3, sha256: 'b'.repeat(64) },
      renditions: [
        {
          name: '360p',
          resolution: '640x360',
          codecs: 'avc1.64001e',
          playlist: '360p/index.m3u8',
          bandwidth: 1,
          init: await digest('360p/init.mp4'),
          segments: [
            { ...(await digest('360p/seg_00000.m4s')), durationSeconds: 2 },
            { ...(await digest('360p/seg_00001.m4s')), durationSeconds: 2 },
          ],
        },
      ],
    });
    const encrypted = await encryptPackage({ manifest, read: async (path) => files.get(path) as Uint8Array }, KEY);
    expect(encrypted.manifest.encryption).toEqual({ method: 'AES-128' });
    expect(encrypted.manifest.poster).toEqual(manifest.poster);
    const second = encrypted.files.get('360p/seg_00001.m4s') as Uint8Array;
    expect(encrypted.manifest.renditions[0]?.segments[1]).toMatchObject({ bytes: 112, sha256: await sha256HexOfBytes(second) });
    expect(await decryptSegment(KEY, segmentIv(1), second)).toEqual(files.get('360p/seg_00001.m4s'));
    const init = encrypted.files.get('360p/init.mp4') as Uint8Array;
    expect(await decryptSegment(KEY, initSegmentIv(), init)).toEqual(files.get('360p/init.mp4'));
    expect(new TextDecoder().decode(encrypted.files.get('360p/index.m3u8'))).toContain('#EXT-X-KEY:METHOD=AES-128,URI="../key"');
    expect(encrypted.files.has('poster.jpg')).toBe(false);
  });
});

describe('content key wrapping', () => {
  const secret = 'a-deployment-secret-long-enough-0123456789';
  it('unwraps only with the same secret and for the same video', async () => {
    const wrapped = await wrapContentKey(secret, 'vid_aaaaaaaa', KEY);
    expect(await unwrapContentKey(secret, 'vid_aaaaaaaa', wrapped)).toEqual(KEY);
    await expect(unwrapContentKey(secret, 'vid_bbbbbbbb', wrapped)).rejects.toThrow(ContentKeyUnwrapError);
    await expect(unwrapContentKey(`${secret}x`, 'vid_aaaaaaaa', wrapped)).rejects.toThrow(ContentKeyUnwrapError);
  });
});

describe('which videos are encrypted', () => {
  it('encrypts private or priced videos, not free public or unlisted ones', () => {
    expect(requiredEncryption({ visibility: 'private', priced: false })).toBe('aes-128');
    expect(requiredEncryption({ visibility: 'public', priced: true })).toBe('aes-128');
    expect(requiredEncryption({ visibility: 'unlisted', priced: false })).toBe('none');
  });

  it('publishes only a package encrypted exactly as needed', () => {
    expect(checkPublishEncryption('aes-128', 'none')).toEqual({ ok: false, reason: 'encryption_required', required: 'aes-128' });
    expect(checkPublishEncryption('none', 'aes-128')).toMatchObject({ ok: false, reason: 'encryption_not_expected' });
    expect(checkPublishEncryption('none', 'none')).toEqual({ ok: true, encryption: 'none' });
  });

  it('never lets a video published in the clear become paid or private; drafts and encrypted videos may', () => {
    const freePublic = { visibility: 'public' as const, priced: false };
    const clearReady = { status: 'ready', contentEncryption: 'none' as const };
    expect(canChangeAccess(clearReady, freePublic, { visibility: 'public', priced: true })).toBe(false);
    expect(canChangeAccess(clearReady, freePublic, { visibility: 'private', priced: false })).toBe(false);
    expect(canChangeAccess(clearReady, freePublic, { visibility: 'unlisted', priced: false })).toBe(true);
    expect(canChangeAccess({ status: 'draft', contentEncryption: 'none' }, freePublic, { visibility: 'public', priced: true })).toBe(true);
    expect(canChangeAccess({ status: 'ready', contentEncryption: 'aes-128' }, freePublic, { visibility: 'private', priced: true })).toBe(
      true,
    );
  });
});
