// Sends WebRTC stats to the analytics ingest (README "P2P analytics"): one peer session per page, tagged with
// what the page is about (the video being watched or the call's room), holding the page's samples and, for
// calls, the connection events (attempted/connected/failed/closed) of every link. Used by the watch page and
// the call room alike.
//
// The ingest token (POST /api/v1/tokens/ingest) binds the session id and an analytics peer id; it is renewed
// with the same session id shortly before it expires. Batches go out every 10 s, and once more with
// `keepalive` when the page goes away, so the last seconds are not lost. A failed batch is kept and retried
// with the next (the ingest ignores samples it already holds, so a retry never double counts).
import { ApiError, apiRequest } from '../api';

export interface ConnectionEventBody {
  ts: number;
  remotePeerId: string;
  type: 'attempted' | 'connected' | 'failed' | 'closed';
  localCandidateType?: 'host' | 'srflx' | 'prflx' | 'relay';
  remoteCandidateType?: 'host' | 'srflx' | 'prflx' | 'relay';
  protocol?: 'udp' | 'tcp';
  setupMs?: number;
}

/** What the session is about: exactly one of a video (watch page) or a room (call page). */
export type IngestSubject = { videoId: string } | { roomId: string };

interface IngestToken {
  token: string;
  sessionId: string;
  peerId: string;
  expiresAt: string;
}

/** Limits of one batch (src/workers/analytics/schemas.ts). */
const MAX_SAMPLES = 200;
const MAX_EVENTS = 200;
const FLUSH_INTERVAL_MS = 10_000;
const TOKEN_RENEW_MARGIN_MS = 5 * 60_000;
/**
 * A batch request that has not answered by then is abandoned (and retried with the next flush): a browser has
 * only six connections per host, and requests stuck behind a busy backend must not starve the page's own.
 */
const REQUEST_TIMEOUT_MS = 10_000;
/** Beyond this, the oldest samples are dropped: a long outage must not grow the page's memory without bound. */
const MAX_BUFFERED_SAMPLES = 2_000;

export interface ReporterCounters {
  sessionId: string | null;
  samplesAccepted: number;
  eventsAccepted: number;
  batchesSent: number;
  batchesFailed: number;
}

export class StatsReporter<Sample extends { ts: number }> {
  #token: IngestToken | null = null;
  #samples: Sample[] = [];
  #events: ConnectionEventBody[] = [];
  #timer: ReturnType<typeof setInterval> | null = null;
  #inFlight: Promise<void> | null = null;
  /** Set when the API refuses this viewer a token for the subject (403/404): asking again would be refused too. */
  #refused = false;
  readonly counters: ReporterCounters = { sessionId: null, samplesAccepted: 0, eventsAccepted: 0, batchesSent: 0, batchesFailed: 0 };

  constructor(private readonly subject: IngestSubject) {}

  start(): void {
    this.#timer ??= setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
  }

  addSample(sample: Sample): void {
    if (this.#refused) return;
    this.#samples.push(sample);
    if (this.#samples.length > MAX_BUFFERED_SAMPLES) this.#samples.splice(0, this.#samples.length - MAX_BUFFERED_SAMPLES);
  }

  addEvent(event: ConnectionEventBody): void {
    if (this.#refused) return;
    this.#events.push(event);
  }

  /** Sends what is buffered; `keepalive` lets the request outlive the page (on leave or unload). */
  flush(keepalive = false): Promise<void> {
    this.#inFlight ??= this.#send(keepalive).finally(() => {
      this.#inFlight = null;
    });
    return this.#inFlight;
  }

  stop(): Promise<void> {
    this.stopTimer();
    return this.flush(true);
  }

  private stopTimer(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  async #ingestToken(): Promise<IngestToken> {
    if (this.#token && Date.parse(this.#token.expiresAt) - TOKEN_RENEW_MARGIN_MS > Date.now()) return this.#token;
    const body = { ...this.subject, ...(this.#token ? { sessionId: this.#token.sessionId } : {}) };
    this.#token = await apiRequest<IngestToken>('/tokens/ingest', {
      method: 'POST',
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    this.counters.sessionId = this.#token.sessionId;
    return this.#token;
  }

  async #send(keepalive: boolean): Promise<void> {
    while (!this.#refused && (this.#samples.length > 0 || this.#events.length > 0)) {
      const samples = this.#samples.slice(0, MAX_SAMPLES);
      const events = this.#events.slice(0, MAX_EVENTS);
      let outcome: 'sent' | 'refused' | 'retry' = 'retry';
      try {
        const token = await this.#ingestToken();
        const response = await fetch('/api/v1/analytics/samples', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token.token}` },
          body: JSON.stringify({ sessionId: token.sessionId, peerId: token.peerId, ...this.subject, samples, events }),
          keepalive,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        if (response.ok) {
          const result = (await response.json()) as { acceptedSamples: number; acceptedEvents: number };
          this.counters.samplesAccepted += result.acceptedSamples;
          this.counters.eventsAccepted += result.acceptedEvents;
          outcome = 'sent';
        } else if (response.status === 401) {
          this.#token = null;
        } else if (response.status >= 400 && response.status < 500) {
          // The batch itself was refused (e.g. a clock far off): resending it would be refused again.
          outcome = 'refused';
        }
      } catch (error) {
        if (error instanceof ApiError && (error.status === 403 || error.status === 404)) {
          // Not this viewer's to report on (e.g. removed from the room, or the video became private): stop,
          // and drop what is buffered rather than asking for a token on every flush.
          this.#refused = true;
          this.stopTimer();
          this.#samples = [];
          this.#events = [];
          return;
        }
        // Offline or the API is down: keep the batch for the next flush.
      }
      if (outcome === 'sent') this.counters.batchesSent += 1;
      else this.counters.batchesFailed += 1;
      if (outcome === 'retry') return;
      this.#samples.splice(0, samples.length);
      this.#events.splice(0, events.length);
    }
  }
}
