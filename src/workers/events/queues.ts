import type { QueueBindings } from '../../adapters/queues/event-bus';
import type { Env } from '../env';

export function queuesOf(env: Env): QueueBindings {
  return { domain: env.DOMAIN_EVENTS, payments: env.PAYMENT_EVENTS, ipfs: env.IPFS_JOBS };
}
