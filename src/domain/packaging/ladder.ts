// The adaptive bitrate ladder: which renditions a source is encoded into.

export interface RenditionPreset {
  /** Also the rendition's directory name in the packaged output, e.g. `720p`. */
  name: string;
  height: number;
  videoBitrateKbps: number;
  audioBitrateKbps: number;
}

// Bitrates for H.264 at 30 fps in the range of Apple's HLS authoring specification (table 2 of the
// "HTTP Live Streaming (HLS) authoring specification for Apple devices"), rounded down a little: this is
// peer-delivered video, where every saved byte is one less byte for a peer to upload.
export const RENDITION_PRESETS: readonly RenditionPreset[] = [
  { name: '240p', height: 240, videoBitrateKbps: 400, audioBitrateKbps: 64 },
  { name: '360p', height: 360, videoBitrateKbps: 800, audioBitrateKbps: 96 },
  { name: '480p', height: 480, videoBitrateKbps: 1_400, audioBitrateKbps: 128 },
  { name: '720p', height: 720, videoBitrateKbps: 2_800, audioBitrateKbps: 128 },
  { name: '1080p', height: 1080, videoBitrateKbps: 5_000, audioBitrateKbps: 128 },
];

export const DEFAULT_RENDITIONS: readonly string[] = ['360p', '720p'];

export interface PlannedRendition extends RenditionPreset {
  width: number;
}

export interface LadderPlan {
  renditions: PlannedRendition[];
  /** Requested renditions dropped because they would upscale the source. */
  skipped: string[];
}

export class UnknownRenditionError extends Error {
  override name = 'UnknownRenditionError';
}

/** Rounds to the nearest even number ≥ 2: H.264 with 4:2:0 chroma needs even dimensions. */
function even(value: number): number {
  return Math.max(2, Math.round(value / 2) * 2);
}

export function presetByName(name: string): RenditionPreset {
  const preset = RENDITION_PRESETS.find((candidate) => candidate.name === name);
  if (!preset) throw new UnknownRenditionError(`unknown rendition ${name} (known: ${RENDITION_PRESETS.map((p) => p.name).join(', ')})`);
  return preset;
}

/**
 * Picks the renditions to encode for a source of `width`×`height`: the requested presets whose height does not
 * exceed the source's (upscaling only spends bits on blur), each keeping the source's aspect ratio. When every
 * requested preset is taller than the source, the source is packaged once at its own height under the
 * smallest requested preset's bitrates, so a small clip still plays.
 */
export function chooseLadder(source: { width: number; height: number }, requested: readonly string[] = DEFAULT_RENDITIONS): LadderPlan {
  if (!(source.width > 0 && source.height > 0)) throw new RangeError(`invalid source size ${source.width}x${source.height}`);
  const presets = [...new Set(requested)].map(presetByName).sort((a, b) => a.height - b.height);
  if (presets.length === 0) throw new RangeError('no renditions requested');
  const aspect = source.width / source.height;
  const fits = presets.filter((preset) => preset.height <= source.height);
  const skipped = presets.filter((preset) => preset.height > source.height).map((preset) => preset.name);
  if (fits.length === 0) {
    const smallest = presets[0] as RenditionPreset;
    const height = even(source.height);
    return {
      renditions: [{ ...smallest, name: `${height}p`, height, width: even(height * aspect) }],
      skipped,
    };
  }
  return { renditions: fits.map((preset) => ({ ...preset, width: even(preset.height * aspect) })), skipped };
}
