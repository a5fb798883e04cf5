// The creator's upload page (/upload/): create a video, pick the folder `npm run package-video` wrote, watch it
// upload with a progress bar (small files in one PUT, large ones in resumable parts), publish, and follow the
// link to /watch/{id}. A reload keeps the video and its multipart uploads (upload/resume-state.ts): picking the
// folder again sends only what the server does not have yet.
import { roleAtLeast } from '../../../src/domain/roles';
import type { UploadProbe } from '../../../src/shared/upload-probe';
import { ApiError, apiRequest } from '../api';
import type { Video } from '../api-types';
import { byId, el } from '../dom';
import { mountLayout } from '../layout';
import { session } from '../session';
import { PackageError, type PackageFile, readPickedPackage } from '../upload/package-files';
import { clearResumeState, loadResumeState, type ResumeState, saveResumeState } from '../upload/resume-state';
import { type FileState, uploadPackage } from '../upload/uploader';

mountLayout();

const probe: UploadProbe = { phase: 'idle', videoId: null, doneBytes: 0, totalBytes: 0, report: null, error: null };
window.__vibestreamUpload = probe;

/** After publish with IPFS storage on, the video stays "processing" until every file is pinned. */
const READY_POLL_MS = 1000;
const READY_TIMEOUT_MS = 10 * 60_000;

const form = byId<HTMLFormElement>('upload-form');
const errorBox = byId('upload-error');
const folderInput = byId<HTMLInputElement>('upload-folder');
const filesInput = byId<HTMLInputElement>('upload-files');
const submitButton = byId<HTMLButtonElement>('upload-submit');
const details = byId<HTMLFieldSetElement>('video-details');
const progressBar = byId<HTMLProgressElement>('upload-progress');
const progressText = byId('upload-progress-text');
const phaseText = byId('upload-phase');
const fileRows = new Map<string, HTMLElement>();

let resume: ResumeState | null = loadResumeState();

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

function showError(message: string | null): void {
  errorBox.hidden = message === null;
  errorBox.textContent = message ?? '';
}

function showResumeNotice(): void {
  byId('resume-notice').hidden = resume === null;
  // The video exists already: its details are not asked again.
  details.disabled = resume !== null;
  details.hidden = resume !== null;
  if (resume) byId('resume-video-title').textContent = resume.title;
  submitButton.textContent = resume ? 'Resume upload' : 'Upload';
}

function setPhase(phase: UploadProbe['phase'], text: string): void {
  probe.phase = phase;
  phaseText.textContent = text;
}

function renderFiles(files: PackageFile[]): void {
  const body = byId('upload-files-table');
  fileRows.clear();
  body.replaceChildren(
    ...files.map((file) => {
      const status = el('td', { 'data-status': 'waiting' }, 'waiting');
      fileRows.set(file.path, status);
      return el('tr', { 'data-path': file.path }, el('th', { scope: 'row' }, file.path), el('td', {}, formatBytes(file.file.size)), status);
    }),
  );
}

function setFileState(path: string, state: FileState): void {
  const cell = fileRows.get(path);
  if (!cell) return;
  cell.textContent = state;
  cell.setAttribute('data-status', state);
}

function setProgress(doneBytes: number, totalBytes: number): void {
  probe.doneBytes = doneBytes;
  probe.totalBytes = totalBytes;
  progressBar.max = Math.max(totalBytes, 1);
  progressBar.value = Math.min(doneBytes, totalBytes);
  const percent = totalBytes > 0 ? Math.floor((doneBytes / totalBytes) * 100) : 0;
  progressText.textContent = `${formatBytes(doneBytes)} of ${formatBytes(totalBytes)} (${percent}%)`;
}

async function createVideo(data: FormData): Promise<Video> {
  return apiRequest<Video>('/videos', {
    method: 'POST',
    body: {
      title: String(data.get('title') ?? '').trim(),
      description: String(data.get('description') ?? ''),
      visibility: String(data.get('visibility') ?? 'public'),
      language: String(data.get('language') ?? 'en').trim(),
    },
  });
}

async function waitUntilReady(videoId: string): Promise<Video> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const video = await apiRequest<Video>(`/videos/${encodeURIComponent(videoId)}`);
    if (video.status === 'ready' || video.status === 'failed' || Date.now() > deadline) return video;
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
}

async function upload(): Promise<void> {
  const picked = [...(folderInput.files ?? []), ...(filesInput.files ?? [])];
  if (picked.length === 0) throw new PackageError('Pick the packaged folder (or its files) first.');
  const pkg = await readPickedPackage(picked);
  const data = new FormData(form);
  if (!resume && !String(data.get('title') ?? '').trim()) throw new PackageError('Give the video a title.');

  byId('upload-progress-section').hidden = false;
  renderFiles(pkg.files);
  setPhase('uploading', 'Uploading…');
  if (!resume) {
    const video = await createVideo(data);
    resume = { videoId: video.id, title: video.title, uploadIds: {} };
    saveResumeState(resume);
  }
  const state = resume;
  probe.videoId = state.videoId;
  const report = await uploadPackage(state.videoId, pkg.manifest, pkg.files, state.uploadIds, {
    onFileState: setFileState,
    onProgress: setProgress,
    onUploadId: (path, uploadId) => {
      state.uploadIds[path] = uploadId;
      saveResumeState(state);
    },
  });
  probe.report = report;

  setPhase('publishing', 'Publishing…');
  const published = await apiRequest<Video>(`/videos/${encodeURIComponent(state.videoId)}/publish`, { method: 'POST' });
  clearResumeState();
  resume = null;
  if (published.status !== 'ready') setPhase('storing', 'Storing on IPFS…');
  const video = published.status === 'ready' ? published : await waitUntilReady(state.videoId);
  if (video.status !== 'ready') throw new PackageError(`Storage did not finish (status: ${video.status}).`);
  const link = byId<HTMLAnchorElement>('upload-watch-link');
  link.href = `/watch/${encodeURIComponent(video.id)}`;
  link.textContent = video.title;
  byId('upload-done').hidden = false;
  setPhase('ready', 'Ready to watch.');
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (probe.phase === 'uploading' || probe.phase === 'publishing' || probe.phase === 'storing') return;
  showError(null);
  submitButton.disabled = true;
  try {
    await upload();
    showResumeNotice();
  } catch (error) {
    const message = error instanceof ApiError || error instanceof PackageError ? error.message : 'The upload failed. Try again.';
    probe.error = message;
    setPhase('failed', 'Stopped.');
    showError(message);
  } finally {
    submitButton.disabled = false;
  }
});

byId('resume-discard').addEventListener('click', () => {
  clearResumeState();
  resume = null;
  showResumeNotice();
});

function renderAccess(): void {
  const user = session.user;
  const allowed = user !== null && roleAtLeast(user.role, 'creator');
  byId('upload-denied').hidden = allowed;
  byId('upload-body').hidden = !allowed;
  if (!user) {
    const denied = byId('upload-denied-text');
    denied.replaceChildren(
      el('a', { href: `/login/?next=${encodeURIComponent('/upload/')}` }, 'Sign in'),
      ' with a creator account to upload videos.',
    );
  }
}

session.subscribe(renderAccess);
renderAccess();
showResumeNotice();
