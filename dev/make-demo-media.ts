// `npm run make-demo-media`: regenerates the demo clips committed in dev/demo-media/ (see lib/demo-clips.ts).
// Run by a developer after changing the clip list or the packager — never by `npm run dev`, which only uploads
// what is committed, so a fresh clone needs neither ffmpeg nor network. Needs ffmpeg; commit the result.
//
// Each clip is a lavfi test pattern with a sine tone, encoded once to a lossless-looking intermediate and then
// packaged by the same code as `npm run package-video`: one 360p rendition in 2 s fMP4 segments, with a
// poster and a storyboard. The bit rates are capped well under the 360p preset's so that every clip together
// stays a few MB in the repository; the patterns are simple enough to survive it.
// Exit codes: 0 written, 1 ffmpeg missing or failed, 2 invalid command line.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { CommandFailed, parseOrUsage, runCli } from './lib/cli';
import { DEMO_CLIPS, DEMO_MEDIA_DIR, type DemoClip, demoClipDir } from './lib/demo-clips';
import { requireFfmpeg, runFfmpeg } from './lib/ffmpeg';
import { PROJECT_ROOT } from './lib/project';
import { packageVideo } from './package-video';

const SEGMENT_SECONDS = 2;
const MAX_VIDEO_KBPS = 200;
const MAX_AUDIO_KBPS = 48;

const USAGE = `Usage: npm run make-demo-media

Regenerates ${relative(PROJECT_ROOT, DEMO_MEDIA_DIR)}/<clip>/ for every demo clip (${DEMO_CLIPS.map((clip) => clip.name).join(', ')}):
lavfi test patterns with a tone, packaged as one 360p rendition in ${SEGMENT_SECONDS} s segments with a poster and a
storyboard (video at most ${MAX_VIDEO_KBPS} kbit/s, audio ${MAX_AUDIO_KBPS} kbit/s). Needs ffmpeg. Commit the result.`;

/** The intermediate the packager reads: high quality, so the only visible loss is the package's own. */
async function renderClip(clip: DemoClip, path: string): Promise<void> {
  await runFfmpeg(
    [
      '-y',
      '-f',
      'lavfi',
      '-i',
      clip.video,
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=${clip.toneHz}:sample_rate=48000`,
      '-t',
      String(clip.seconds),
      // lavfi sources are RGB; without this x264 writes 4:4:4, which browsers do not decode.
      '-pix_fmt',
      'yuv420p',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-crf',
      '16',
      '-c:a',
      'aac',
      '-b:a',
      '192k',
      path,
    ],
    { durationSeconds: clip.seconds },
  );
}

async function directoryBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

async function main(): Promise<void> {
  const { values } = parseOrUsage(() =>
    parseArgs({ options: { help: { type: 'boolean', short: 'h', default: false } }, allowPositionals: false, strict: true }),
  );
  if (values.help) {
    console.log(USAGE);
    return;
  }
  await requireFfmpeg();
  const work = await mkdtemp(join(tmpdir(), 'vibestream-demo-media-'));
  try {
    for (const clip of DEMO_CLIPS) {
      const source = join(work, `${clip.name}.mp4`);
      await renderClip(clip, source);
      const out = demoClipDir(clip);
      await rm(out, { recursive: true, force: true });
      const { manifest } = await packageVideo({
        input: source,
        out,
        renditions: ['360p'],
        segmentSeconds: SEGMENT_SECONDS,
        format: 'fmp4',
        maxVideoKbps: MAX_VIDEO_KBPS,
        maxAudioKbps: MAX_AUDIO_KBPS,
      });
      const segments = manifest.renditions.reduce((count, rendition) => count + rendition.segments.length, 0);
      console.log(`${clip.name}: ${clip.seconds} s, ${segments} segments, ${Math.round((await directoryBytes(out)) / 1024)} KiB`);
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  const known = new Set(DEMO_CLIPS.map((clip) => clip.name));
  const stale = (await readdir(DEMO_MEDIA_DIR)).filter((name) => !known.has(name));
  if (stale.length > 0) console.warn(`not a demo clip any more (delete it): ${stale.join(', ')}`);
  const totalBytes = await directoryBytes(DEMO_MEDIA_DIR);
  console.log(`${relative(PROJECT_ROOT, DEMO_MEDIA_DIR)}: ${(totalBytes / 1024 / 1024).toFixed(2)} MiB in all`);
  if (totalBytes === 0) throw new CommandFailed('nothing written');
}

runCli(main, '(npm run make-demo-media -- --help)');
