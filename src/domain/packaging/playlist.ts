// Reading HLS playlists (RFC 8216) and writing the master playlist. Only what packaging and verification
// need: VOD media playlists with EXTINF, EXT-X-MAP and EXT-X-ENDLIST, and master playlists' variant streams.

export interface MediaSegment {
  uri: string;
  durationSeconds: number;
}

export interface MediaPlaylist {
  version?: number;
  targetDurationSeconds?: number;
  mediaSequence: number;
  playlistType?: string;
  /** The fMP4 initialization section (EXT-X-MAP URI), if any. */
  map?: { uri: string };
  endList: boolean;
  segments: MediaSegment[];
}

export class PlaylistError extends Error {
  override name = 'PlaylistError';
}

/** Parses an attribute list (`BANDWIDTH=800000,CODECS="avc1.64001f,mp4a.40.2"`), RFC 8216 §4.2. */
export function parseAttributes(text: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  const pattern = /([A-Z0-9-]+)=("[^"]*"|[^,]*)(?:,|$)/g;
  for (const match of text.matchAll(pattern)) {
    const [, key, raw] = match;
    if (key === undefined || raw === undefined) continue;
    attributes[key] = raw.startsWith('"') ? raw.slice(1, -1) : raw;
  }
  return attributes;
}

function lines(text: string): string[] {
  const all = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  if (all[0] !== '#EXTM3U') throw new PlaylistError('not an HLS playlist: the first line must be #EXTM3U');
  return all;
}

function tagValue(line: string, tag: string): string | undefined {
  return line.startsWith(`${tag}:`) ? line.slice(tag.length + 1) : undefined;
}

export function parseMediaPlaylist(text: string): MediaPlaylist {
  const playlist: MediaPlaylist = { mediaSequence: 0, endList: false, segments: [] };
  let pendingDuration: number | undefined;
  for (const line of lines(text).slice(1)) {
    if (line.startsWith('#EXT-X-STREAM-INF')) throw new PlaylistError('a master playlist, not a media playlist');
    const extinf = tagValue(line, '#EXTINF');
    if (extinf !== undefined) {
      const duration = Number(extinf.split(',')[0]);
      if (!Number.isFinite(duration) || duration < 0) throw new PlaylistError(`invalid EXTINF duration: ${line}`);
      pendingDuration = duration;
      continue;
    }
    const version = tagValue(line, '#EXT-X-VERSION');
    if (version !== undefined) playlist.version = Number(version);
    const target = tagValue(line, '#EXT-X-TARGETDURATION');
    if (target !== undefined) playlist.targetDurationSeconds = Number(target);
    const sequence = tagValue(line, '#EXT-X-MEDIA-SEQUENCE');
    if (sequence !== undefined) playlist.mediaSequence = Number(sequence);
    const type = tagValue(line, '#EXT-X-PLAYLIST-TYPE');
    if (type !== undefined) playlist.playlistType = type;
    const map = tagValue(line, '#EXT-X-MAP');
    if (map !== undefined) {
      const uri = parseAttributes(map).URI;
      if (!uri) throw new PlaylistError(`EXT-X-MAP without URI: ${line}`);
      playlist.map = { uri };
    }
    if (line === '#EXT-X-ENDLIST') playlist.endList = true;
    if (line.startsWith('#')) continue;
    if (pendingDuration === undefined) throw new PlaylistError(`segment without EXTINF: ${line}`);
    playlist.segments.push({ uri: line, durationSeconds: pendingDuration });
    pendingDuration = undefined;
  }
  return playlist;
}

export interface VariantStream {
  uri: string;
  bandwidth: number;
  averageBandwidth?: number;
  resolution?: string;
  codecs?: string;
  frameRate?: number;
}

export function parseMasterPlaylist(text: string): VariantStream[] {
  const variants: VariantStream[] = [];
  let pending: Record<string, string> | undefined;
  for (const line of lines(text).slice(1)) {
    const streamInf = tagValue(line, '#EXT-X-STREAM-INF');
    if (streamInf !== undefined) {
      pending = parseAttributes(streamInf);
      continue;
    }
    if (line.startsWith('#') || pending === undefined) continue;
    const variant: VariantStream = { uri: line, bandwidth: Number(pending.BANDWIDTH) };
    if (pending['AVERAGE-BANDWIDTH']) variant.averageBandwidth = Number(pending['AVERAGE-BANDWIDTH']);
    if (pending.RESOLUTION) variant.resolution = pending.RESOLUTION;
    if (pending.CODECS) variant.codecs = pending.CODECS;
    if (pending['FRAME-RATE']) variant.frameRate = Number(pending['FRAME-RATE']);
    variants.push(variant);
    pending = undefined;
  }
  return variants;
}

/** Writes a master playlist; variants are listed in the given order (players pick by BANDWIDTH anyway). */
export function buildMasterPlaylist(variants: readonly VariantStream[]): string {
  const out = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const variant of variants) {
    const attributes = [`BANDWIDTH=${Math.round(variant.bandwidth)}`];
    if (variant.averageBandwidth !== undefined) attributes.push(`AVERAGE-BANDWIDTH=${Math.round(variant.averageBandwidth)}`);
    if (variant.resolution) attributes.push(`RESOLUTION=${variant.resolution}`);
    if (variant.codecs) attributes.push(`CODECS="${variant.codecs}"`);
    if (variant.frameRate !== undefined) attributes.push(`FRAME-RATE=${variant.frameRate.toFixed(3)}`);
    out.push(`#EXT-X-STREAM-INF:${attributes.join(',')}`, variant.uri);
  }
  return `${out.join('\n')}\n`;
}

/**
 * BANDWIDTH is the peak segment bit rate and AVERAGE-BANDWIDTH the average over the whole rendition
 * (RFC 8216 §4.3.4.2), both measured from the segments actually written.
 */
export function measureBandwidth(
  segments: readonly { bytes: number; durationSeconds: number }[],
  initBytes = 0,
): {
  peak: number;
  average: number;
} {
  let peak = 0;
  let totalBytes = initBytes;
  let totalSeconds = 0;
  for (const segment of segments) {
    totalBytes += segment.bytes;
    totalSeconds += segment.durationSeconds;
    if (segment.durationSeconds > 0) peak = Math.max(peak, (segment.bytes * 8) / segment.durationSeconds);
  }
  const average = totalSeconds > 0 ? (totalBytes * 8) / totalSeconds : 0;
  return { peak: Math.ceil(Math.max(peak, average)), average: Math.ceil(average) };
}

const AVC_PROFILES: Record<string, string> = {
  'Constrained Baseline': '42e0',
  Baseline: '4200',
  Main: '4d40',
  High: '6400',
};

/**
 * The RFC 6381 `avc1.PPCCLL` codec string from the profile name and level that ffprobe reports
 * (`High`, 31 → `avc1.64001f`). Undefined for profiles a browser would not play anyway.
 */
export function avcCodecString(profile: string, level: number): string | undefined {
  const profileAndConstraints = AVC_PROFILES[profile];
  if (!profileAndConstraints || !(level > 0 && level < 256)) return undefined;
  return `avc1.${profileAndConstraints}${level.toString(16).padStart(2, '0')}`;
}

/** AAC-LC, the only audio codec the packager writes. */
export const AAC_LC_CODEC = 'mp4a.40.2';
