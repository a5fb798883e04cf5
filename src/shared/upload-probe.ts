// The read-only state the upload page exposes as `window.__vibestreamUpload` for automated checks (the e2e test
// reads it instead of scraping the page; nothing in the page reads it back).

export interface UploadReport {
  /** Body bytes this page load sent (finished requests only). */
  sentBytes: number;
  /** Files the server already had (stored before a reload). */
  skippedFiles: number;
  multipartFiles: number;
}

export interface UploadProbe {
  phase: 'idle' | 'uploading' | 'publishing' | 'storing' | 'ready' | 'failed';
  videoId: string | null;
  doneBytes: number;
  totalBytes: number;
  report: UploadReport | null;
  error: string | null;
}

declare global {
  interface Window {
    __vibestreamUpload?: UploadProbe;
  }
}
