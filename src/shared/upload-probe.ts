// The read-only state the upload page exposes as `window.__vibestreamUpload` for automated checks (the e2e test
// reads it instead of scraping the page; nothing in the page reads it back).

export interface UploadReport {
  /** Body bytes this page load sent (finished requests only). */
  sentBytes: number;
  /** Files the server already had (stored before a reload). */
  skippedFiles: number;
  multipartFiles: number;
}

/** The browser packager's progress (web/src/packaging/browser-packager.ts PackagingProgress). */
export interface PackagingSnapshot {
  phase: string;
  encodedSeconds: number;
  durationSeconds: number;
  speed: number | null;
  producedBytes: number;
  uploadedBytes: number;
  skippedFiles: number;
}

export interface UploadProbe {
  phase: 'idle' | 'probing' | 'refused' | 'packaging' | 'uploading' | 'publishing' | 'storing' | 'ready' | 'failed' | 'cancelled';
  videoId: string | null;
  doneBytes: number;
  totalBytes: number;
  report: UploadReport | null;
  error: string | null;
  /** Set while and after a video file is packaged in the browser. */
  packaging: PackagingSnapshot | null;
  /** Milliseconds the longest gap between two animation frames lasted while packaging (page responsiveness). */
  longestFrameGapMs: number;
}

declare global {
  interface Window {
    __vibestreamUpload?: UploadProbe;
  }
}
