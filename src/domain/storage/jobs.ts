// The life of a storage job (store a video on IPFS, unpin a deleted one, repair a missing replica).
//   queued → running → done
//              ↓ ↑ (a failed attempt goes back to queued; the queue redelivers with backoff)
//            failed (retry budget spent: the message is in the dead-letter queue and an alert is open)
// `done` is terminal: a redelivered message for a done job changes nothing.
export const STORAGE_JOB_STATES = ['queued', 'running', 'done', 'failed'] as const;
export type StorageJobState = (typeof STORAGE_JOB_STATES)[number];
export type StorageJobKind = 'store' | 'unpin' | 'repair';

const NEXT: Record<StorageJobState, readonly StorageJobState[]> = {
  queued: ['running', 'failed'],
  running: ['done', 'queued', 'failed'],
  done: [],
  // An operator replaying the dead letter starts it again.
  failed: ['queued', 'running'],
};

export function canTransition(from: StorageJobState, to: StorageJobState): boolean {
  return NEXT[from].includes(to);
}

/** The job id is derived from what it does, so two messages for the same work share one row. */
export function storageJobId(kind: StorageJobKind, videoId: string): string {
  return `${kind}:${videoId}`;
}

/** Whether a message for this job should do any work at all. */
export function needsWork(state: StorageJobState | undefined): boolean {
  return state !== 'done';
}
