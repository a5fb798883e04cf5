// Per-isolate memory of each account's standing (token version, disabled), so checking an access token against
// its account costs a D1 read once per account per TTL rather than once per request. The TTL bounds how long a
// revocation made in another isolate can go unnoticed here; the isolate that revokes forgets at once.
import type { AccountStanding } from '../../domain/auth-tokens';

interface Entry {
  standing: AccountStanding | null;
  readAtMs: number;
}

// Enough for every account active in one isolate at once; the oldest entry leaves first (Map keeps insertion
// order), so memory stays bounded whatever the traffic.
const MAX_ENTRIES = 10_000;

export class AccountStandingCache {
  readonly #entries = new Map<string, Entry>();

  get(userId: string, nowMs: number, ttlMs: number): AccountStanding | null | undefined {
    const entry = this.#entries.get(userId);
    if (!entry) return undefined;
    if (nowMs - entry.readAtMs >= ttlMs) {
      this.#entries.delete(userId);
      return undefined;
    }
    return entry.standing;
  }

  set(userId: string, standing: AccountStanding | null, nowMs: number): void {
    this.#entries.delete(userId);
    this.#entries.set(userId, { standing, readAtMs: nowMs });
    if (this.#entries.size > MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  forget(userId: string): void {
    this.#entries.delete(userId);
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** The isolate's one cache: module state lives as long as the isolate. */
export const accountStandingCache = new AccountStandingCache();
