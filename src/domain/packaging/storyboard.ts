// Where the stills of a package come from: the poster frame and the storyboard sprite's layout (which frames,
// how many tiles, how big). Both packagers — the browser's (web/src/packaging) and the CLI's — follow it, so a
// player can read any package's seek previews the same way.

/** Tile width in the sprite: large enough to recognise a scene, small enough that 100 tiles stay ~300 KB. */
export const STORYBOARD_TILE_WIDTH = 160;
/** At most this many tiles, whatever the length: one sprite request per video, not one per minute. */
export const STORYBOARD_MAX_TILES = 100;
/** Never closer than this: on a short clip, frames 2 s apart already differ. */
export const STORYBOARD_MIN_INTERVAL_SECONDS = 2;
export const STORYBOARD_COLUMNS = 10;

/** The poster is the frame this far into the video (opening frames are often black or a title card)… */
export const POSTER_AT_FRACTION = 0.1;
/** …but never later than this, so a long video's poster still shows its start. */
export const POSTER_LATEST_SECONDS = 10;
export const POSTER_MAX_WIDTH = 1280;

export interface StoryboardPlan {
  intervalSeconds: number;
  tiles: number;
  columns: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
  /** Source time of each tile, in order. */
  timestamps: number[];
}

/** Even, at least 2: JPEG does not care, but H.264-sized frames keep the sprite's arithmetic exact. */
function even(value: number): number {
  return Math.max(2, Math.round(value / 2) * 2);
}

/** The sprite's grid for `tiles` frames: rows of up to STORYBOARD_COLUMNS, the last one possibly part-empty. */
export function storyboardGrid(tiles: number): { columns: number; rows: number } {
  const columns = Math.max(1, Math.min(STORYBOARD_COLUMNS, tiles));
  return { columns, rows: Math.ceil(Math.max(1, tiles) / columns) };
}

export function planStoryboard(durationSeconds: number, source: { width: number; height: number }): StoryboardPlan {
  if (!(durationSeconds > 0)) throw new RangeError(`invalid duration ${durationSeconds}`);
  if (!(source.width > 0 && source.height > 0)) throw new RangeError(`invalid source size ${source.width}x${source.height}`);
  const intervalSeconds = Math.max(STORYBOARD_MIN_INTERVAL_SECONDS, Math.ceil(durationSeconds / STORYBOARD_MAX_TILES));
  const tiles = Math.max(1, Math.min(STORYBOARD_MAX_TILES, Math.ceil(durationSeconds / intervalSeconds)));
  const tileWidth = STORYBOARD_TILE_WIDTH;
  const tileHeight = even((tileWidth * source.height) / source.width);
  return {
    intervalSeconds,
    tiles,
    ...storyboardGrid(tiles),
    tileWidth,
    tileHeight,
    timestamps: Array.from({ length: tiles }, (_, i) => i * intervalSeconds),
  };
}

/** Source time of the poster frame. */
export function posterTimestamp(durationSeconds: number): number {
  if (!(durationSeconds > 0)) return 0;
  return Math.min(durationSeconds * POSTER_AT_FRACTION, POSTER_LATEST_SECONDS);
}

/** The poster's size: the largest rendition's, scaled down to POSTER_MAX_WIDTH at most. */
export function posterSize(renditions: readonly { width: number; height: number }[]): { width: number; height: number } {
  const largest = renditions.reduce((widest, rendition) => (rendition.width > widest.width ? rendition : widest));
  const scale = Math.min(1, POSTER_MAX_WIDTH / largest.width);
  return { width: even(largest.width * scale), height: even(largest.height * scale) };
}
