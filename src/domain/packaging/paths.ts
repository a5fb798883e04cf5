// Which paths a package may hold and what they are served as. The server checks every uploaded path with these
// before it touches storage; the packagers only ever write paths that pass.

const MAX_PATH_LENGTH = 200;

/** Relative, `/`-separated, no empty, `.` or `..` segment, and only characters the packagers write. */
export function isSafeRelativePath(path: string): boolean {
  if (path.length === 0 || path.length > MAX_PATH_LENGTH) return false;
  return path.split('/').every((part) => /^[A-Za-z0-9._-]+$/.test(part) && part !== '.' && part !== '..');
}

/**
 * Media and stills can be uploaded before the manifest exists (while the browser is still encoding); playlists
 * and the manifest cannot, since they only make sense once every segment they name is known.
 */
export function isStageablePath(path: string): boolean {
  return isSafeRelativePath(path) && /\.(m4s|mp4|ts|jpg)$/.test(path);
}

export function contentTypeOf(path: string): string {
  if (path.endsWith('.m3u8')) return 'application/vnd.apple.mpegurl';
  if (path.endsWith('.m4s')) return 'video/iso.segment';
  if (path.endsWith('.mp4')) return 'video/mp4';
  if (path.endsWith('.ts')) return 'video/mp2t';
  if (path.endsWith('.json')) return 'application/json';
  if (path.endsWith('.jpg')) return 'image/jpeg';
  return 'application/octet-stream';
}

/** Where the API serves a file of a video's package (routes/video-files.ts), e.g. its poster. */
export function packageFileUrl(videoId: string, path: string): string {
  return `/api/v1/videos/${videoId}/hls/${path}`;
}
