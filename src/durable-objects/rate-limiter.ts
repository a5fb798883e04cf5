// One object per limited key (for sign-in an account and client address, an account, or a trusted device; an
// address for sign-up or refresh), holding that key's recent hits. A Durable Object rather than a per-isolate
// counter: every isolate in every colo sees the same count, and its storage survives eviction. The window logic
// is src/domain/rate-limits.ts.
import { decide, type RateDecision, record, type WindowRule } from '../domain/rate-limits';
import { HealthCheckedObject } from './health';

const HITS_KEY = 'hits';

export class RateLimiter extends HealthCheckedObject {
  protected readonly kind = 'RateLimiter';

  private async hits(): Promise<number[]> {
    return (await this.ctx.storage.get<number[]>(HITS_KEY)) ?? [];
  }

  /** Whether one more hit is allowed, without counting one. */
  async check(rule: WindowRule, nowMs = Date.now()): Promise<RateDecision> {
    return decide(await this.hits(), rule, nowMs);
  }

  /** Counts a hit if the window allows it; a refused hit is not counted (the window reopens on schedule). */
  async take(rule: WindowRule, nowMs = Date.now()): Promise<RateDecision> {
    const hits = await this.hits();
    const before = decide(hits, rule, nowMs);
    if (!before.allowed) return before;
    const after = record(hits, rule, nowMs);
    await this.ctx.storage.put(HITS_KEY, after);
    await this.ctx.storage.setAlarm(nowMs + rule.windowMs);
    return { allowed: true, hits: after.length, retryAfterSeconds: 0 };
  }

  /** Forgets every hit (a successful sign-in clears its failures). */
  async clear(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  /** The window has passed since the last hit: nothing left worth keeping. */
  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
