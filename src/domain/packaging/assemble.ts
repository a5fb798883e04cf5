// Turns what a packager produced — media playlists, the digest of every file it wrote, the stills — into the
// integrity manifest and the master playlist. Used by the browser packager, which learns segment durations only
// from the playlists the muxer writes at the end; the format itself is `buildManifest`'s.
import {
  type BuildManifestInput,
  buildManifest,
  type FileDigest,
  type IntegrityManifest,
  type PackageEncryption,
  resolveRelative,
  type StoryboardDigest,
} from './manifest';
import { buildMasterPlaylist, measureBandwidth, parseMediaPlaylist, type VariantStream } from './playlist';

export interface ProducedRendition {
  /** Ladder name, e.g. `720p`. */
  name: string;
  /** Path of its media playlist in the package, e.g. `720p/index.m3u8`. */
  playlistPath: string;
  playlistText: string;
  /** RFC 6381, e.g. `avc1.64001f,mp4a.40.2`. */
  codecs: string;
  /** `WIDTHxHEIGHT`. */
  resolution: string;
  frameRate?: number;
}

export class AssemblyError extends Error {
  override name = 'AssemblyError';
}

export function assembleManifest(input: {
  createdAt: Date;
  source: IntegrityManifest['source'];
  renditions: readonly ProducedRendition[];
  /** Every file written, by package path. */
  digests: ReadonlyMap<string, FileDigest>;
  poster?: FileDigest | undefined;
  storyboard?: StoryboardDigest | undefined;
  encryption?: PackageEncryption | undefined;
}): { manifest: IntegrityManifest; masterPlaylist: string } {
  const digestOf = (path: string): FileDigest => {
    const digest = input.digests.get(path);
    if (!digest) throw new AssemblyError(`the playlist names ${path}, which was never written`);
    return digest;
  };
  const renditions: BuildManifestInput['renditions'] = [];
  const variants: VariantStream[] = [];
  for (const rendition of input.renditions) {
    const playlist = parseMediaPlaylist(rendition.playlistText);
    if (!playlist.endList) throw new AssemblyError(`${rendition.playlistPath} is not a finished VOD playlist`);
    if (playlist.segments.length === 0) throw new AssemblyError(`${rendition.playlistPath} has no segments`);
    const init = playlist.map ? digestOf(resolveRelative(rendition.playlistPath, playlist.map.uri)) : undefined;
    const segments = playlist.segments.map((segment) => ({
      ...digestOf(resolveRelative(rendition.playlistPath, segment.uri)),
      durationSeconds: segment.durationSeconds,
    }));
    const bandwidth = measureBandwidth(segments, init?.bytes);
    renditions.push({
      name: rendition.name,
      resolution: rendition.resolution,
      codecs: rendition.codecs,
      playlist: rendition.playlistPath,
      bandwidth: bandwidth.peak,
      init,
      segments,
    });
    variants.push({
      uri: rendition.playlistPath,
      bandwidth: bandwidth.peak,
      averageBandwidth: bandwidth.average,
      resolution: rendition.resolution,
      codecs: rendition.codecs,
      ...(rendition.frameRate ? { frameRate: rendition.frameRate } : {}),
    });
  }
  const manifest = buildManifest({
    createdAt: input.createdAt,
    source: input.source,
    renditions,
    poster: input.poster,
    storyboard: input.storyboard,
    encryption: input.encryption,
  });
  return { manifest, masterPlaylist: buildMasterPlaylist(variants) };
}
