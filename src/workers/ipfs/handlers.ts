// Queue handlers of the storage pipeline (registered in workers/events/handlers.ts). Both have effects outside
// D1 (IPFS nodes, R2) that are idempotent by construction, so they return no statements of their own: the
// consumer commits only the processed marker, and a failure retries with backoff until the dead-letter queue.
import type { EventHandler } from '../events/handlers';
import { storeVideo } from './store-video';
import { unpinVideo } from './unpin-video';

export const ipfsStoreHandler: EventHandler = {
  name: 'ipfs-store',
  handles: ['ipfs.video_uploaded'],
  async handle(event, { env }) {
    if (event.type !== 'ipfs.video_uploaded') return [];
    const outcome = await storeVideo(env, event.data.videoId, Date.now());
    console.log(JSON.stringify({ level: 'info', msg: 'ipfs store job', videoId: event.data.videoId, outcome }));
    return [];
  },
};

export const ipfsUnpinHandler: EventHandler = {
  name: 'ipfs-unpin',
  handles: ['video.deleted'],
  async handle(event, { env }) {
    if (event.type !== 'video.deleted') return [];
    await unpinVideo(env, event.data.videoId, Date.now());
    return [];
  },
};
