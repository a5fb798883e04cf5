// Seek previews from the package's storyboard sprite (domain/packaging/storyboard.ts): a thin scrub bar under the
// player; pointing at it shows the frame at that moment, clicking seeks there. The player's native controls
// cannot show thumbnails, and one sprite request serves the whole video.
import type { StoryboardLayout } from '../../../src/domain/packaging/manifest';
import { el } from '../dom';
import { formatDuration } from '../format';

/** The video's storyboard as the API describes it (layout plus where to fetch the sprite). */
export type StoryboardInfo = StoryboardLayout & { url: string };

/** Tile of the sprite showing `seconds` (the last tile holds to the end). */
export function tileAt(storyboard: StoryboardInfo, seconds: number): { x: number; y: number } {
  const index = Math.min(storyboard.tiles - 1, Math.max(0, Math.floor(seconds / storyboard.intervalSeconds)));
  return { x: (index % storyboard.columns) * storyboard.tileWidth, y: Math.floor(index / storyboard.columns) * storyboard.tileHeight };
}

export function mountSeekPreview(video: HTMLVideoElement, storyboard: StoryboardInfo, durationSeconds: number): HTMLElement {
  const frame = el('div', { class: 'seek-preview__frame' });
  frame.style.width = `${storyboard.tileWidth}px`;
  frame.style.height = `${storyboard.tileHeight}px`;
  frame.style.backgroundImage = `url("${storyboard.url}")`;
  const time = el('span', { class: 'seek-preview__time' });
  const bubble = el('div', { class: 'seek-preview__bubble', hidden: true }, frame, time);
  const played = el('div', { class: 'seek-preview__played' });
  const bar = el(
    'div',
    {
      class: 'seek-preview',
      role: 'slider',
      tabindex: '0',
      'aria-label': 'Seek with previews',
      'aria-valuemin': '0',
      'aria-valuemax': String(Math.round(durationSeconds)),
      'aria-valuenow': '0',
    },
    played,
    bubble,
  );
  const secondsAt = (clientX: number) => {
    const box = bar.getBoundingClientRect();
    return Math.min(durationSeconds, Math.max(0, ((clientX - box.left) / box.width) * durationSeconds));
  };
  bar.addEventListener('pointermove', (event) => {
    const seconds = secondsAt(event.clientX);
    const { x, y } = tileAt(storyboard, seconds);
    frame.style.backgroundPosition = `-${x}px -${y}px`;
    time.textContent = formatDuration(Math.floor(seconds));
    const box = bar.getBoundingClientRect();
    const left = Math.min(Math.max(event.clientX - box.left - storyboard.tileWidth / 2, 0), box.width - storyboard.tileWidth);
    bubble.style.left = `${left}px`;
    bubble.hidden = false;
  });
  bar.addEventListener('pointerleave', () => {
    bubble.hidden = true;
  });
  bar.addEventListener('click', (event) => {
    video.currentTime = secondsAt(event.clientX);
  });
  bar.addEventListener('keydown', (event) => {
    const step = event.key === 'ArrowRight' ? 5 : event.key === 'ArrowLeft' ? -5 : 0;
    if (step !== 0) video.currentTime = Math.min(durationSeconds, Math.max(0, video.currentTime + step));
  });
  video.addEventListener('timeupdate', () => {
    played.style.width = `${(video.currentTime / Math.max(durationSeconds, 0.001)) * 100}%`;
    bar.setAttribute('aria-valuenow', String(Math.round(video.currentTime)));
  });
  return bar;
}
