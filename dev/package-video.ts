// `npm run package-video -- input.mp4 [options]`: encodes a video into an HLS ladder (H.264/AAC) and writes the
// integrity manifest peers' segments are checked against. Run with --help for the options.
// Exit codes: 0 packaged, 1 ffmpeg is missing, the media is unreadable or encoding failed, 2 invalid command line.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { CONTENT_ENCRYPTION_METHOD, CONTENT_KEY_BYTES, encryptPackage, fromBase64Url } from '../src/domain/content-encryption';
import { errorMessage } from '../src/domain/errors';
import type { FileDigest, IntegrityManifest, LadderPlan, PlannedRendition, StoryboardDigest, VariantStream } from '../src/domain/packaging';
import {
  AAC_LC_CODEC,
  avcCodecString,
  buildManifest,
  buildMasterPlaylist,
  chooseLadder,
  DEFAULT_RENDITIONS,
  manifestFiles,
  measureBandwidth,
  POSTER_AT_FRACTION,
  POSTER_LATEST_SECONDS,
  POSTER_MAX_WIDTH,
  POSTER_PATH,
  parseMediaPlaylist,
  planStoryboard,
  posterSize,
  posterTimestamp,
  RENDITION_PRESETS,
  resolveRelative,
  STORYBOARD_MAX_TILES,
  STORYBOARD_MIN_INTERVAL_SECONDS,
  STORYBOARD_PATH,
  STORYBOARD_TILE_WIDTH,
  storyboardGrid,
  UnknownRenditionError,
} from '../src/domain/packaging';
import { CommandFailed, parseOrUsage, runCli, UsageError } from './lib/cli';
import type { ProbedStream } from './lib/ffmpeg';
import { frameRate, probe, requireFfmpeg, runFfmpeg } from './lib/ffmpeg';

// Stills written beside the renditions: a poster for catalog cards and the player, and a storyboard sprite for
// seek previews. Both are taken from the source, not from an encoded rendition, so they carry no encoding blur.
// Which frames and what sizes is src/domain/packaging/storyboard.ts, shared with the browser packager.
// ffmpeg's JPEG quality scale: 2 (best) to 31. Tiles are looked at small and briefly, the poster large.
const POSTER_QUALITY = 3;
const STORYBOARD_QUALITY = 5;

const USAGE = `Usage: npm run package-video -- <input> [options]

Encodes <input> into an adaptive HLS ladder (H.264 + AAC) and writes an integrity manifest.

Options:
  --out DIR               output directory, must be empty or absent (default: <input name>-hls beside the input)
  --renditions LIST       comma-separated, from ${RENDITION_PRESETS.map((preset) => preset.name).join(', ')} (default: ${DEFAULT_RENDITIONS.join(',')});
                          renditions taller than the source are skipped, never upscaled
  --segment-seconds N     target segment duration, 1-30 (default: 4)
  --format fmp4|ts        fragmented MP4 with an init segment, or MPEG-TS (default: fmp4)
  --video-id ID           catalog id recorded in the manifest
  --max-video-kbps N      cap every rendition's video bit rate at N kbit/s (default: the preset's)
  --max-audio-kbps N      cap every rendition's audio bit rate at N kbit/s (default: the preset's)
  --content-key KEY       encrypt every init and media segment (HLS AES-128) with KEY, the base64url key that
                          POST /api/v1/videos/{id}/content-key returns for a paid or private video
  --api ORIGIN            ask ORIGIN (e.g. http://127.0.0.1:8787) whether --video-id must be encrypted and for
                          its key, signed in with the access token or API key in $VIBESTREAM_TOKEN

Output: DIR/master.m3u8, DIR/<rendition>/index.m3u8 with its segments, DIR/${POSTER_PATH} (a frame
${POSTER_AT_FRACTION * 100} % in (at most ${POSTER_LATEST_SECONDS} s), at the largest rendition's width up to ${POSTER_MAX_WIDTH} px), DIR/${STORYBOARD_PATH} (seek
previews: ${STORYBOARD_TILE_WIDTH} px tiles, one every ${STORYBOARD_MIN_INTERVAL_SECONDS} s or more, at most ${STORYBOARD_MAX_TILES}) and DIR/manifest.json.
Exit codes: 0 packaged, 1 ffmpeg missing, unreadable media or encoding failed, 2 invalid command line.`;

export type SegmentFormat = 'fmp4' | 'ts';

export interface PackageOptions {
  input: string;
  out: string;
  renditions: string[];
  segmentSeconds: number;
  format: SegmentFormat;
  videoId?: string | undefined;
  maxVideoKbps?: number | undefined;
  maxAudioKbps?: number | undefined;
  /** 16 bytes: the package is encrypted with it (HLS AES-128); absent: written in the clear. */
  contentKey?: Uint8Array | undefined;
  onProgress?: (fraction: number) => void;
  log?: (line: string) => void;
}

async function sha256OfFile(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).byteLength;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Digest of a file inside the package, recorded under its package-relative path. */
async function digest(outDir: string, relativePath: string): Promise<FileDigest> {
  const { bytes, sha256 } = await sha256OfFile(join(outDir, ...relativePath.split('/')));
  return { path: relativePath, bytes, sha256 };
}

/**
 * The ffmpeg arguments for one pass that decodes the source once and writes every rendition. Keyframes are
 * forced at every segment boundary and scene-cut keyframes are off (`-sc_threshold 0`, GOP = segment length),
 * so every segment starts with a keyframe at the same instant in every rendition: players can switch
 * renditions at any segment, and each segment decodes on its own (x264's GOPs are closed by default).
 */
export function ffmpegArguments(options: {
  input: string;
  outDir: string;
  renditions: readonly PlannedRendition[];
  segmentSeconds: number;
  format: SegmentFormat;
  framesPerSecond: number | undefined;
  hasAudio: boolean;
}): string[] {
  const { renditions, segmentSeconds } = options;
  const split = `[0:v]split=${renditions.length}${renditions.map((_, index) => `[in${index}]`).join('')}`;
  const scales = renditions.map((rendition, index) => `[in${index}]scale=${rendition.width}:${rendition.height},setsar=1[v${index}]`);
  const args = ['-y', '-i', options.input, '-filter_complex', [split, ...scales].join(';')];
  const gop = options.framesPerSecond ? Math.max(1, Math.round(options.framesPerSecond * segmentSeconds)) : undefined;
  const segmentExtension = options.format === 'fmp4' ? 'm4s' : 'ts';
  renditions.forEach((rendition, index) => {
    const dir = join(options.outDir, rendition.name);
    args.push('-map', `[v${index}]`);
    if (options.hasAudio) args.push('-map', '0:a:0');
    args.push(
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-pix_fmt',
      'yuv420p',
      '-b:v',
      `${rendition.videoBitrateKbps}k`,
      '-maxrate',
      `${Math.round(rendition.videoBitrateKbps * 1.07)}k`,
      '-bufsize',
      `${rendition.videoBitrateKbps * 2}k`,
      '-sc_threshold',
      '0',
      '-force_key_frames',
      `expr:gte(t,n_forced*${segmentSeconds})`,
    );
    if (gop) args.push('-g', String(gop), '-keyint_min', String(gop));
    if (options.hasAudio) args.push('-c:a', 'aac', '-b:a', `${rendition.audioBitrateKbps}k`, '-ac', '2');
    args.push(
      '-f',
      'hls',
      '-hls_time',
      String(segmentSeconds),
      '-hls_playlist_type',
      'vod',
      '-hls_flags',
      'independent_segments',
      '-hls_segment_type',
      options.format === 'fmp4' ? 'fmp4' : 'mpegts',
      '-hls_segment_filename',
      join(dir, `seg_%05d.${segmentExtension}`),
    );
    if (options.format === 'fmp4') args.push('-hls_fmp4_init_filename', 'init.mp4');
    args.push(join(dir, 'index.m3u8'));
  });
  return args;
}

async function writePoster(
  input: string,
  outDir: string,
  durationSeconds: number,
  size: { width: number; height: number },
): Promise<FileDigest> {
  const atSeconds = posterTimestamp(durationSeconds);
  // -ss before -i seeks to the nearest keyframe and decodes up to the exact time: fast and frame-accurate.
  await runFfmpeg(
    [
      '-y',
      '-ss',
      atSeconds.toFixed(3),
      '-i',
      input,
      '-frames:v',
      '1',
      '-vf',
      `scale=${size.width}:${size.height},setsar=1`,
      '-q:v',
      String(POSTER_QUALITY),
      join(outDir, POSTER_PATH),
    ],
    { durationSeconds: 0 },
  );
  return digest(outDir, POSTER_PATH);
}

async function writeStoryboard(
  input: string,
  outDir: string,
  durationSeconds: number,
  source: { width: number; height: number },
): Promise<StoryboardDigest> {
  const layout = planStoryboard(durationSeconds, source);
  // Two passes: the frames first, so the sprite's grid is sized to the frames ffmpeg really produced (the fps
  // filter may give one fewer or more than the duration suggests at the very end), then the sprite.
  const framesDir = await mkdtemp(join(tmpdir(), 'vibestream-storyboard-'));
  try {
    await runFfmpeg(
      [
        '-y',
        '-i',
        input,
        '-an',
        '-vf',
        `fps=1/${layout.intervalSeconds}:start_time=0,scale=${layout.tileWidth}:${layout.tileHeight},setsar=1`,
        '-frames:v',
        String(layout.tiles),
        '-q:v',
        '2',
        join(framesDir, 'tile_%05d.jpg'),
      ],
      { durationSeconds: 0 },
    );
    const tiles = (await readdir(framesDir)).filter((name) => name.endsWith('.jpg')).length;
    if (tiles === 0) throw new CommandFailed(`ffmpeg returned no storyboard frames for ${basename(input)}`);
    const { columns, rows } = storyboardGrid(tiles);
    await runFfmpeg(
      [
        '-y',
        '-framerate',
        '1',
        '-i',
        join(framesDir, 'tile_%05d.jpg'),
        '-vf',
        `tile=${columns}x${rows}`,
        '-frames:v',
        '1',
        '-q:v',
        String(STORYBOARD_QUALITY),
        join(outDir, STORYBOARD_PATH),
      ],
      { durationSeconds: 0 },
    );
    return {
      ...(await digest(outDir, STORYBOARD_PATH)),
      columns,
      rows,
      tiles,
      tileWidth: layout.tileWidth,
      tileHeight: layout.tileHeight,
      intervalSeconds: layout.intervalSeconds,
    };
  } finally {
    await rm(framesDir, { recursive: true, force: true });
  }
}

async function isEmptyOrAbsent(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return true;
    throw error;
  }
}

export interface PackageResult {
  manifest: IntegrityManifest;
  plan: LadderPlan;
  outDir: string;
}

function capBitrates(plan: LadderPlan, caps: Pick<PackageOptions, 'maxVideoKbps' | 'maxAudioKbps'>): LadderPlan {
  return {
    ...plan,
    renditions: plan.renditions.map((rendition) => ({
      ...rendition,
      videoBitrateKbps: Math.min(rendition.videoBitrateKbps, caps.maxVideoKbps ?? Number.POSITIVE_INFINITY),
      audioBitrateKbps: Math.min(rendition.audioBitrateKbps, caps.maxAudioKbps ?? Number.POSITIVE_INFINITY),
    })),
  };
}

export async function packageVideo(options: PackageOptions): Promise<PackageResult> {
  const log = options.log ?? (() => {});
  const input = resolve(options.input);
  const outDir = resolve(options.out);
  const inputStat = await stat(input).catch(() => undefined);
  if (!inputStat?.isFile()) throw new UsageError(`input not found: ${options.input}`);
  if (!(await isEmptyOrAbsent(outDir))) throw new UsageError(`output directory is not empty: ${options.out} (choose another --out)`);
  await requireFfmpeg();

  const media = await probe(input);
  const video = media.streams.find((stream) => stream.codec_type === 'video');
  const hasAudio = media.streams.some((stream) => stream.codec_type === 'audio');
  const durationSeconds = Number(media.format.duration);
  if (!video?.width || !video.height) throw new CommandFailed(`no video stream in ${options.input}`);
  if (!(durationSeconds > 0)) throw new CommandFailed(`cannot tell the duration of ${options.input}`);

  let plan: LadderPlan;
  try {
    plan = capBitrates(chooseLadder({ width: video.width, height: video.height }, options.renditions), options);
  } catch (error) {
    if (error instanceof UnknownRenditionError) throw new UsageError(error.message);
    throw error;
  }
  log(
    `source ${basename(input)}: ${video.width}x${video.height}, ${durationSeconds.toFixed(2)} s${hasAudio ? '' : ', no audio'}; ` +
      `renditions ${plan.renditions.map((r) => `${r.name} (${r.width}x${r.height})`).join(', ')}`,
  );
  if (plan.skipped.length > 0) log(`skipped (would upscale the ${video.height}p source): ${plan.skipped.join(', ')}`);

  for (const rendition of plan.renditions) await mkdir(join(outDir, rendition.name), { recursive: true });
  let poster: FileDigest;
  let storyboard: StoryboardDigest;
  try {
    await runFfmpeg(
      ffmpegArguments({
        input,
        outDir,
        renditions: plan.renditions,
        segmentSeconds: options.segmentSeconds,
        format: options.format,
        framesPerSecond: frameRate(video),
        hasAudio,
      }),
      { durationSeconds, ...(options.onProgress ? { onProgress: options.onProgress } : {}) },
    );
    poster = await writePoster(input, outDir, durationSeconds, posterSize(plan.renditions));
    storyboard = await writeStoryboard(input, outDir, durationSeconds, { width: video.width, height: video.height });
  } catch (error) {
    // The directory was empty or absent before: what is in it now is a half-written package.
    await rm(outDir, { recursive: true, force: true });
    throw error;
  }

  const source = { name: basename(input), ...(await sha256OfFile(input)), durationSeconds, width: video.width, height: video.height };
  const renditions = [];
  const variants: VariantStream[] = [];
  for (const rendition of plan.renditions) {
    const playlistPath = `${rendition.name}/index.m3u8`;
    const playlist = parseMediaPlaylist(await readFile(join(outDir, rendition.name, 'index.m3u8'), 'utf8'));
    const init = playlist.map ? await digest(outDir, resolveRelative(playlistPath, playlist.map.uri)) : undefined;
    const segments = [];
    for (const segment of playlist.segments) {
      segments.push({ ...(await digest(outDir, resolveRelative(playlistPath, segment.uri))), durationSeconds: segment.durationSeconds });
    }
    const encoded = await probe(join(outDir, rendition.name, 'index.m3u8'));
    const encodedVideo: ProbedStream = encoded.streams.find((stream) => stream.codec_type === 'video') ?? {};
    const avc = avcCodecString(encodedVideo.profile ?? '', encodedVideo.level ?? 0);
    if (!avc) throw new CommandFailed(`unexpected H.264 profile/level in ${playlistPath}: ${encodedVideo.profile} ${encodedVideo.level}`);
    const codecs = hasAudio ? `${avc},${AAC_LC_CODEC}` : avc;
    const resolution = `${encodedVideo.width ?? rendition.width}x${encodedVideo.height ?? rendition.height}`;
    const bandwidth = measureBandwidth(segments, init?.bytes);
    renditions.push({ name: rendition.name, resolution, codecs, playlist: playlistPath, bandwidth: bandwidth.peak, init, segments });
    const fps = frameRate(encodedVideo);
    variants.push({
      uri: playlistPath,
      bandwidth: bandwidth.peak,
      averageBandwidth: bandwidth.average,
      resolution,
      codecs,
      ...(fps ? { frameRate: fps } : {}),
    });
  }

  let manifest = buildManifest({ videoId: options.videoId, createdAt: new Date(), source, renditions, poster, storyboard });
  if (options.contentKey) {
    // Encrypted in place, after ffmpeg: the same code (and so the same bytes) as the browser packager's.
    const encrypted = await encryptPackage(
      { manifest, read: async (path) => new Uint8Array(await readFile(join(outDir, ...path.split('/')))) },
      options.contentKey,
    );
    for (const [path, bytes] of encrypted.files) await writeFile(join(outDir, ...path.split('/')), bytes);
    manifest = encrypted.manifest;
    log(`encrypted every init and media segment (HLS ${CONTENT_ENCRYPTION_METHOD}); the key is not in the package`);
  }
  await writeFile(join(outDir, 'master.m3u8'), buildMasterPlaylist(variants));
  await writeFile(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return { manifest, plan, outDir };
}

/** The key a video must be packaged with, from the API; undefined when it is free and public. */
export async function contentKeyFromApi(origin: string, videoId: string, token: string): Promise<Uint8Array | undefined> {
  const response = await fetch(new URL(`/api/v1/videos/${encodeURIComponent(videoId)}/content-key`, origin), {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  }).catch((error: unknown) => {
    throw new CommandFailed(`cannot reach ${origin}: ${errorMessage(error)}`);
  });
  const text = await response.text();
  if (!response.ok)
    throw new CommandFailed(`POST /api/v1/videos/${videoId}/content-key answered ${response.status}: ${text.slice(0, 300)}`);
  const issued = JSON.parse(text) as { encryption: 'none' | 'aes-128'; key?: string };
  return issued.encryption === 'aes-128' ? parseContentKey(issued.key ?? '') : undefined;
}

function parseContentKey(text: string): Uint8Array {
  let key: Uint8Array;
  try {
    key = fromBase64Url(text.trim());
  } catch {
    throw new UsageError('--content-key must be base64url');
  }
  if (key.byteLength !== CONTENT_KEY_BYTES)
    throw new UsageError(`--content-key must be ${CONTENT_KEY_BYTES} bytes (got ${key.byteLength})`);
  return key;
}

type CliOptions = PackageOptions & { api?: string | undefined };

function parseOptions(argv: string[]): CliOptions | undefined {
  const { values, positionals } = parseOrUsage(() =>
    parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        renditions: { type: 'string' },
        'segment-seconds': { type: 'string' },
        format: { type: 'string' },
        'video-id': { type: 'string' },
        'max-video-kbps': { type: 'string' },
        'max-audio-kbps': { type: 'string' },
        'content-key': { type: 'string' },
        api: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    }),
  );
  if (values.help) return undefined;
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing input file' : 'give exactly one input file');
  const input = positionals[0] as string;
  const segmentSeconds = Number(values['segment-seconds'] ?? 4);
  if (!Number.isInteger(segmentSeconds) || segmentSeconds < 1 || segmentSeconds > 30) {
    throw new UsageError(`--segment-seconds must be a whole number from 1 to 30 (got ${values['segment-seconds']})`);
  }
  const format = values.format ?? 'fmp4';
  if (format !== 'fmp4' && format !== 'ts') throw new UsageError(`--format must be fmp4 or ts (got ${format})`);
  const renditions = (values.renditions ?? DEFAULT_RENDITIONS.join(','))
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (renditions.length === 0) throw new UsageError('--renditions must name at least one rendition');
  const out = values.out ?? join(dirname(input), `${basename(input, extname(input))}-hls`);
  const kbps = (name: 'max-video-kbps' | 'max-audio-kbps'): number | undefined => {
    const text = values[name];
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 16 || value > 100_000)
      throw new UsageError(`--${name} must be a whole number from 16 to 100000 (got ${text})`);
    return value;
  };
  if (values.api !== undefined && values['content-key'] !== undefined) throw new UsageError('give --content-key or --api, not both');
  if (values.api !== undefined && values['video-id'] === undefined) throw new UsageError('--api needs --video-id');
  if (values.api !== undefined && !URL.canParse(values.api)) throw new UsageError(`--api must be a URL (got ${values.api})`);
  return {
    input,
    out,
    renditions,
    segmentSeconds,
    format,
    videoId: values['video-id'],
    maxVideoKbps: kbps('max-video-kbps'),
    maxAudioKbps: kbps('max-audio-kbps'),
    contentKey: values['content-key'] !== undefined ? parseContentKey(values['content-key']) : undefined,
    api: values.api,
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (!options) {
    console.log(USAGE);
    return;
  }
  if (options.api) {
    const token = process.env.VIBESTREAM_TOKEN;
    if (!token) throw new UsageError('--api needs an access token or API key in $VIBESTREAM_TOKEN');
    options.contentKey = await contentKeyFromApi(options.api, options.videoId as string, token);
    console.log(options.contentKey ? `${options.videoId} is paid or private: encrypting` : `${options.videoId} is free: no encryption`);
  }
  let reported = -1;
  const result = await packageVideo({
    ...options,
    log: (line) => console.log(line),
    onProgress: (fraction) => {
      // One line per 10 %: readable in a terminal and in CI logs alike.
      const percent = Math.floor(fraction * 10) * 10;
      if (percent > reported) {
        reported = percent;
        console.log(`encoding ${percent}%`);
      }
    },
  });
  const files = manifestFiles(result.manifest).length;
  console.log(
    `packaged ${result.manifest.renditions.map((rendition) => rendition.name).join(', ')} (${files} files hashed) into ${result.outDir}`,
  );
  console.log(`master playlist: ${join(result.outDir, 'master.m3u8')}`);
  console.log(`poster and storyboard: ${join(result.outDir, POSTER_PATH)}, ${join(result.outDir, STORYBOARD_PATH)}`);
  console.log(`integrity manifest: ${join(result.outDir, 'manifest.json')}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  runCli(main, '(npm run package-video -- --help lists the options)');
