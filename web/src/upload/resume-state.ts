// What survives a reload of the upload page: the video being uploaded, the file it came from and the multipart
// upload of each large file. Browsers do not let a page keep picked files, so after a reload the creator picks
// the file (or folder) again; the server then says what it already has, and only the rest is sent.

const KEY = 'vibestream.upload';

export interface ResumeState {
  videoId: string;
  title: string;
  /** Multipart upload id by manifest path. */
  uploadIds: Record<string, string>;
  /** The video file being packaged in the browser (absent for a folder from npm run package-video). */
  sourceFile?: { name: string; bytes: number };
}

function isResumeState(value: unknown): value is ResumeState {
  if (typeof value !== 'object' || value === null) return false;
  const state = value as Partial<ResumeState>;
  return typeof state.videoId === 'string' && typeof state.title === 'string' && typeof state.uploadIds === 'object';
}

export function loadResumeState(): ResumeState | null {
  try {
    const parsed: unknown = JSON.parse(window.localStorage.getItem(KEY) ?? 'null');
    return isResumeState(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

export function saveResumeState(state: ResumeState): void {
  try {
    window.localStorage.setItem(KEY, JSON.stringify(state));
  } catch {
    // Storage full or disabled: the upload goes on, it just cannot resume after a reload.
  }
}

export function clearResumeState(): void {
  try {
    window.localStorage.removeItem(KEY);
  } catch {
    // See above.
  }
}
