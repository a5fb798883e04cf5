import { describe, expect, it } from 'vitest';
import { chunk } from '../../src/domain/collections';
import { BACKOFF_CAP_SECONDS, createEvent, parseEvent, queueFor, retryDelaySeconds } from '../../src/domain/events';

describe('domain events', () => {
  it('parses what it creates', () => {
    const event = createEvent('video.created', { videoId: 'vid_1', creatorId: 'usr_1', visibility: 'public' }, 'usr_1', 1000);
    expect(parseEvent(JSON.parse(JSON.stringify(event)))).toEqual({ ok: true, event });
  });

  it('rejects unknown types, wrong payloads and extra fields', () => {
    const good = createEvent('user.signed_up', { userId: 'usr_1', role: 'viewer' });
    expect(parseEvent({ ...good, type: 'user.exploded' }).ok).toBe(false);
    expect(parseEvent({ ...good, data: { userId: 5 } }).ok).toBe(false);
    expect(parseEvent({ ...good, data: { ...good.data, extra: 1 } }).ok).toBe(false);
    expect(parseEvent({ ...good, smuggled: true }).ok).toBe(false);
    expect(parseEvent('not an object').ok).toBe(false);
  });

  it('routes payment and IPFS events to their own queues', () => {
    expect(queueFor('video.created')).toBe('domain');
    expect(queueFor('payment.captured' as never)).toBe('payments');
    expect(queueFor('ipfs.pin' as never)).toBe('ipfs');
  });
});

describe('retry backoff', () => {
  it('grows exponentially with full jitter and is capped', () => {
    expect(retryDelaySeconds(1, () => 1)).toBe(5);
    expect(retryDelaySeconds(2, () => 1)).toBe(10);
    expect(retryDelaySeconds(4, () => 1)).toBe(40);
    expect(retryDelaySeconds(30, () => 1)).toBe(BACKOFF_CAP_SECONDS);
    expect(retryDelaySeconds(3, () => 0)).toBe(1);
    expect(retryDelaySeconds(3, () => 0.5)).toBe(10);
  });
});

describe('chunk', () => {
  it('splits into bounded groups', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunk([], 3)).toEqual([]);
  });
});
