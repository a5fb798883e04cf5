// A short-lived per-isolate cache of recommendation answers.
//
// Why in the isolate and not the Cache API: the answer is per user (bearer-authenticated), so it could only go
// into the Cache API under a synthetic per-user URL, which costs a cache read (I/O) on every request and a
// write on every miss, and is per data centre anyway. The isolate Map costs nothing to read; a user who
// reloads a page or opens the next video within TTL_MS lands on the same isolate most of the time, and a miss
// elsewhere is cheap because the answer is built from precomputed lists. Staleness is bounded by TTL_MS, and
// recording an interaction through this isolate drops that user's entries at once.
export const RECOMMENDATION_CACHE_TTL_MS = 30_000;
const MAX_ENTRIES = 1_000;

interface Entry {
  value: unknown;
  expiresAt: number;
  owner: string;
}

export class TtlCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs = RECOMMENDATION_CACHE_TTL_MS,
    private readonly maxEntries = MAX_ENTRIES,
  ) {}

  get<T>(key: string, now = Date.now()): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value as T;
  }

  /** `owner` groups the entries `invalidate` drops together (a user id, or '' for shared answers). */
  set(key: string, value: unknown, owner: string, now = Date.now()): void {
    this.entries.delete(key);
    // Map keeps insertion order: the first key is the oldest entry.
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    this.entries.set(key, { value, expiresAt: now + this.ttlMs, owner });
  }

  invalidate(owner: string): void {
    for (const [key, entry] of this.entries) if (entry.owner === owner) this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

export const recommendationCache = new TtlCache();
