// The creator's upload page (/upload/): pick or drop a video file; it is probed (anything that cannot become a
// complete package is refused before a byte is uploaded), packaged in the browser (packaging/browser-packager.ts:
// ladder, poster, storyboard) and uploaded while it is encoded, then published; the page follows each phase with
// speed and time left, and can cancel. Developers can still upload a folder written by `npm run package-video`
// (small files in one PUT, large ones in resumable parts). A reload keeps the video (upload/resume-state.ts):
// picking the same file or folder again sends only what the server does not have yet.
import { roleAtLeast } from '../../../src/domain/roles';
import type { UploadProbe } from '../../../src/shared/upload-probe';
import { ApiError, apiRequest } from '../api';
import type { Video } from '../api-types';
import { byId, el } from '../dom';
import { formatDuration } from '../format';
import { mountLayout } from '../layout';
import {
  PackagingCancelled,
  type PackagingJob,
  type PackagingProgress,
  PackagingRefused,
  packageAndUpload,
  planPackage,
  probeVideoFile,
} from '../packaging/browser-packager';
import type { SourceInfo } from '../packaging/protocol';
import { session } from '../session';
import { PackageError, type PackageFile, readPickedPackage } from '../upload/package-files';
import { clearResumeState, loadResumeState, type ResumeState, saveResumeState } from '../upload/resume-state';
import { type FileState, uploadPackage } from '../upload/uploader';

mountLayout();

const probe: UploadProbe = {
  phase: 'idle',
  videoId: null,
  doneBytes: 0,
  totalBytes: 0,
  report: null,
  error: null,
  packaging: null,
  longestFrameGapMs: 0,
};
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
const fileInput = byId<HTMLInputElement>('upload-file');
const dropZone = byId('upload-drop');
const cancelButton = byId<HTMLButtonElement>('upload-cancel');
const titleInput = byId<HTMLInputElement>('upload-title');
const fileRows = new Map<string, HTMLElement>();

/** The picked video file and what the probe found in it (null while none is picked or it was refused). */
let picked: { file: File; source: SourceInfo } | null = null;
let job: PackagingJob | null = null;

let resume: ResumeState | null = loadResumeState();

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
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
  if (resume) {
    byId('resume-video-title').textContent = resume.title;
    byId('resume-hint').textContent = resume.sourceFile
      ? `Pick ${resume.sourceFile.name} (${formatBytes(resume.sourceFile.bytes)}) again to continue it.`
      : 'Pick the same folder to continue it.';
  }
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

/** Publishing done: wait for IPFS storage if it runs, then link to the watch page. */
async function finish(published: Video): Promise<void> {
  clearResumeState();
  resume = null;
  if (published.status !== 'ready') setPhase('storing', 'Storing on IPFS…');
  const video = published.status === 'ready' ? published : await waitUntilReady(published.id);
  if (video.status !== 'ready')
    throw new PackageError(`Storage did not finish (status: ${video.status}${video.statusReason ? `: ${video.statusReason}` : ''}).`);
  const link = byId<HTMLAnchorElement>('upload-watch-link');
  link.href = `/watch/${encodeURIComponent(video.id)}`;
  link.textContent = video.title;
  byId('upload-done').hidden = false;
  setPhase('ready', 'Ready to watch.');
}

function quotaMessage(details: unknown): string {
  const { usedBytes, requestedBytes, quotaBytes } = (details ?? {}) as Record<string, number | undefined>;
  if (usedBytes === undefined || requestedBytes === undefined || quotaBytes === undefined)
    return 'This video does not fit in your storage quota.';
  const free = Math.max(0, quotaBytes - usedBytes);
  return `This video needs about ${formatBytes(requestedBytes)} of storage, but only ${formatBytes(free)} of your ${formatBytes(quotaBytes)} is free. Delete videos in your studio or ask for a larger quota.`;
}

/** The video this upload goes to: the unfinished one after a reload, otherwise a new draft. */
async function videoForUpload(sourceFile?: { name: string; bytes: number }): Promise<ResumeState> {
  if (!resume) {
    const video = await createVideo(new FormData(form));
    resume = { videoId: video.id, title: video.title, uploadIds: {}, ...(sourceFile ? { sourceFile } : {}) };
    saveResumeState(resume);
  }
  probe.videoId = resume.videoId;
  return resume;
}

/** A folder written by `npm run package-video`: the package exists already, only the upload happens here. */
async function uploadFolder(): Promise<void> {
  const files = [...(folderInput.files ?? []), ...(filesInput.files ?? [])];
  const pkg = await readPickedPackage(files);
  // A private video is stored encrypted with a key its draft gets from the server; a folder packaged before
  // that draft existed is in the clear, and publishing would refuse it after the whole upload.
  const visibility = resume ? null : String(new FormData(form).get('visibility') ?? 'public');
  if (visibility === 'private' && !pkg.manifest.encryption) {
    throw new PackageError(
      'A private video is stored encrypted with its own key, and this folder is not encrypted. Pick the source video file instead (it is packaged and encrypted here), or make the video public.',
    );
  }
  if (!resume && !titleInput.value.trim()) throw new PackageError('Give the video a title.');
  byId('upload-progress-section').hidden = false;
  byId('upload-phases').hidden = true;
  renderFiles(pkg.files);
  setPhase('uploading', 'Uploading…');
  const state = await videoForUpload();
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
  await finish(await apiRequest<Video>(`/videos/${encodeURIComponent(state.videoId)}/publish`, { method: 'POST' }));
}

const PHASE_ORDER = ['reading', 'stills', 'encoding', 'uploading', 'publishing'] as const;

function markPhase(current: (typeof PHASE_ORDER)[number] | 'done'): void {
  const index = current === 'done' ? PHASE_ORDER.length : PHASE_ORDER.indexOf(current);
  for (const item of byId('upload-phases').querySelectorAll<HTMLElement>('li[data-phase]')) {
    const position = PHASE_ORDER.indexOf(item.dataset.phase as (typeof PHASE_ORDER)[number]);
    item.dataset.state = position < index ? 'done' : position === index ? 'active' : 'waiting';
  }
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  return formatDuration(Math.round(seconds));
}

function renderPackaging(progress: PackagingProgress): void {
  probe.packaging = {
    phase: progress.phase,
    encodedSeconds: progress.encodedSeconds,
    durationSeconds: progress.durationSeconds,
    speed: progress.speed,
    producedBytes: progress.producedBytes,
    uploadedBytes: progress.uploadedBytes,
    skippedFiles: progress.skippedFiles,
  };
  const encoding = progress.phase === 'encoding' || progress.phase === 'hashing-source';
  markPhase(
    progress.phase === 'reserving' || progress.phase === 'stills'
      ? progress.phase === 'reserving'
        ? 'reading'
        : 'stills'
      : encoding
        ? 'encoding'
        : progress.phase === 'publishing'
          ? 'publishing'
          : progress.phase === 'done'
            ? 'done'
            : 'uploading',
  );
  byId('upload-phase-renditions').textContent = progress.renditions
    .map((rendition) => `${rendition.name} ${Math.min(rendition.segments, rendition.expectedSegments)}/${rendition.expectedSegments}`)
    .join(' · ');
  // One bar for the whole job: encoding is most of the work; what is uploaded follows it closely.
  const encodedFraction = progress.durationSeconds > 0 ? Math.min(1, progress.encodedSeconds / progress.durationSeconds) : 0;
  const overall = progress.phase === 'done' ? 1 : progress.phase === 'publishing' ? 0.98 : encodedFraction * 0.95;
  progressBar.max = 1;
  progressBar.value = overall;
  progressText.textContent = `${Math.floor(overall * 100)}% · encoded ${formatSeconds(progress.encodedSeconds)} of ${formatSeconds(progress.durationSeconds)} · uploaded ${formatBytes(progress.uploadedBytes)}${progress.skippedFiles > 0 ? ` (${progress.skippedFiles} files were already stored)` : ''}`;
  byId('upload-speed').textContent =
    progress.speed !== null
      ? `${progress.speed.toFixed(1)}× real time${progress.etaSeconds !== null && progress.etaSeconds > 0 ? ` · about ${formatSeconds(progress.etaSeconds)} left` : ''}`
      : '';
}

/** Longest gap between animation frames while packaging: the page must stay responsive (work is in a worker). */
function watchResponsiveness(): () => void {
  let last = performance.now();
  let frame = 0;
  const tick = (now: number) => {
    probe.longestFrameGapMs = Math.max(probe.longestFrameGapMs, now - last);
    last = now;
    frame = requestAnimationFrame(tick);
  };
  frame = requestAnimationFrame(tick);
  return () => cancelAnimationFrame(frame);
}

async function uploadVideoFile(file: File, source: SourceInfo): Promise<void> {
  if (!resume && !titleInput.value.trim()) throw new PackageError('Give the video a title.');
  if (resume?.sourceFile && (resume.sourceFile.name !== file.name || resume.sourceFile.bytes !== file.size)) {
    throw new PackageError(
      `This is not the file the unfinished upload came from (${resume.sourceFile.name}). Pick it, or start a new video.`,
    );
  }
  byId('upload-progress-section').hidden = false;
  byId('upload-phases').hidden = false;
  byId('upload-files-details').hidden = true;
  setPhase('packaging', 'Preparing the video in your browser…');
  const createdNow = resume === null;
  const state = await videoForUpload({ name: file.name, bytes: file.size });
  cancelButton.hidden = false;
  const fieldsets = [...form.querySelectorAll('fieldset')];
  for (const fieldset of fieldsets) fieldset.disabled = true;
  const stopWatching = watchResponsiveness();
  try {
    job = packageAndUpload({ file, source, videoId: state.videoId, onProgress: renderPackaging });
    const published = await job.done.catch(async (error: unknown) => {
      // Over quota: nothing was uploaded; the draft made a moment ago would only clutter the studio.
      if (error instanceof ApiError && error.code === 'storage_quota_exceeded') {
        if (createdNow) {
          await apiRequest(`/videos/${encodeURIComponent(state.videoId)}`, { method: 'DELETE' }).catch(() => {});
          clearResumeState();
          resume = null;
          probe.videoId = null;
        }
        throw new PackageError(quotaMessage(error.details));
      }
      throw error;
    });
    setPhase('publishing', 'Publishing…');
    await finish(published);
    // Ready for the next video.
    form.reset();
    picked = null;
    byId('upload-source').hidden = true;
  } finally {
    stopWatching();
    job = null;
    cancelButton.hidden = true;
    for (const fieldset of fieldsets) fieldset.disabled = fieldset === details && resume !== null;
  }
}

async function pickVideoFile(file: File | undefined): Promise<void> {
  picked = null;
  showError(null);
  const sourceBox = byId('upload-source');
  sourceBox.hidden = true;
  if (!file) return;
  setPhase('probing', '');
  try {
    const source = await probeVideoFile(file);
    picked = { file, source };
    const plan = planPackage(source);
    byId('upload-source-name').textContent = file.name;
    byId('upload-source-facts').textContent =
      `· ${formatSeconds(source.durationSeconds)} · ${source.width}×${source.height} · ${source.videoCodec}${source.audioCodec ? ` + ${source.audioCodec}` : ', no sound'} · ${formatBytes(file.size)}`;
    byId('upload-source-plan').textContent =
      `Will be streamed in ${plan.renditions.map((rendition) => rendition.name).join(', ')}; about ${formatBytes(plan.estimatedBytes)} of your storage is reserved while it uploads.`;
    sourceBox.hidden = false;
    if (!titleInput.value.trim() && !resume)
      titleInput.value = file.name
        .replace(/\.[^.]+$/, '')
        .replace(/[_-]+/g, ' ')
        .trim()
        .slice(0, 200);
    setPhase('idle', '');
  } catch (error) {
    const message = error instanceof PackagingRefused ? error.message : 'This file could not be read. Try another one.';
    probe.error = message;
    setPhase('refused', '');
    showError(message);
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (['probing', 'packaging', 'uploading', 'publishing', 'storing'].includes(probe.phase)) return;
  showError(null);
  submitButton.disabled = true;
  try {
    if (picked) await uploadVideoFile(picked.file, picked.source);
    else if ((folderInput.files?.length ?? 0) + (filesInput.files?.length ?? 0) > 0) await uploadFolder();
    else throw new PackageError(probe.phase === 'refused' && probe.error ? probe.error : 'Pick a video file first.');
    showResumeNotice();
  } catch (error) {
    if (error instanceof PackagingCancelled) {
      setPhase('cancelled', 'Cancelled. Nothing was published; pick the file again to continue, or start a new video.');
      showResumeNotice();
      return;
    }
    const message =
      error instanceof ApiError || error instanceof PackageError || error instanceof PackagingRefused
        ? error.message
        : 'The upload failed. Try again.';
    probe.error = message;
    setPhase('failed', 'Stopped.');
    showError(message);
    showResumeNotice();
  } finally {
    submitButton.disabled = false;
  }
});

fileInput.addEventListener('change', () => void pickVideoFile(fileInput.files?.[0]));
for (const name of ['dragenter', 'dragover'] as const) {
  dropZone.addEventListener(name, (event) => {
    event.preventDefault();
    dropZone.classList.add('upload__drop--over');
  });
}
dropZone.addEventListener('dragleave', () => dropZone.classList.remove('upload__drop--over'));
dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  dropZone.classList.remove('upload__drop--over');
  const file = event.dataTransfer?.files[0];
  if (file) void pickVideoFile(file);
});

cancelButton.addEventListener('click', () => job?.cancel());

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
