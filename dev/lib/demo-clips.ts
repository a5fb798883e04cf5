// The demo media committed in dev/demo-media/: a few short test-pattern clips, each one packaged directory as
// `npm run package-video` writes it (manifest.json, master.m3u8, 360p/, poster.jpg, storyboard.jpg). The seeded
// videos share them, taking turns (lib/demo-data.ts), so the demo catalog plays without ffmpeg or network.
//
// `npm run make-demo-media` (dev/make-demo-media.ts, needs ffmpeg) regenerates them from the specs below; the
// seed reads each clip's playable length from its manifest, so the catalog's durations are the media's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IntegrityManifest } from '../../src/domain/packaging/manifest';
import { packageDurationSeconds } from '../../src/domain/packaging/manifest';
import { PROJECT_ROOT } from './project';

export interface DemoClip {
  /** Directory name under dev/demo-media/. */
  name: string;
  /** An ffmpeg lavfi video source at 640×360, 30 fps (`-f lavfi -i <video>`), cut to `seconds` with `-t`. */
  video: string;
  /** Pitch of the sine tone on the audio track, so clips sound as different as they look. */
  toneHz: number;
  /** Whole seconds, a multiple of the 2 s segment length so every segment is full. */
  seconds: number;
}

export const DEMO_MEDIA_DIR = join(PROJECT_ROOT, 'dev', 'demo-media');

export const DEMO_CLIPS: readonly DemoClip[] = [
  { name: 'test-pattern', video: 'testsrc2=size=640x360:rate=30', toneHz: 440, seconds: 20 },
  { name: 'mandelbrot', video: 'mandelbrot=size=640x360:rate=30', toneHz: 330, seconds: 16 },
  {
    name: 'life',
    video: 'life=size=640x360:rate=30:mold=10:ratio=0.1:seed=7:life_color=#3fd17a:death_color=#1c3a5e:mold_color=#101820',
    toneHz: 523.25,
    seconds: 18,
  },
  { name: 'gradients', video: 'gradients=size=640x360:rate=30:speed=0.03', toneHz: 659.25, seconds: 14 },
];

/** The clip the `index`-th demo video plays (there are more videos than clips; they take turns). */
export function demoClipFor(index: number): DemoClip {
  return DEMO_CLIPS[index % DEMO_CLIPS.length] as DemoClip;
}

export function demoClipDir(clip: DemoClip): string {
  return join(DEMO_MEDIA_DIR, clip.name);
}

const manifests = new Map<string, IntegrityManifest>();

/** The committed manifest of a clip (read once). Throws with the way out if the media is not there. */
export function demoClipManifest(clip: DemoClip): IntegrityManifest {
  let manifest = manifests.get(clip.name);
  if (!manifest) {
    const path = join(demoClipDir(clip), 'manifest.json');
    try {
      manifest = JSON.parse(readFileSync(path, 'utf8')) as IntegrityManifest;
    } catch (error) {
      throw new Error(`demo media missing or unreadable: ${path} (regenerate it with npm run make-demo-media): ${String(error)}`);
    }
    manifests.set(clip.name, manifest);
  }
  return manifest;
}

/** What the player can play of the clip: the catalog duration of every demo video that uses it. */
export function demoClipDurationSeconds(clip: DemoClip): number {
  return packageDurationSeconds(demoClipManifest(clip));
}
