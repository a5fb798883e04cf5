// One object per peer session: rolls the session's WebRTC getStats samples into rates, quality scores and
// per-minute rollups (domain/analytics/session-aggregator.ts), writes raw points to Analytics Engine and
// flushes the rollups to D1 from its alarm.
//
// Durability: `ingest` stores the new state and pending deltas before it returns; the Worker answers 202 only
// after that, and a Durable Object's storage writes are confirmed before its reply leaves (output gate). An
// object evicted between flushes finds its pending deltas in storage when the alarm wakes it.
// Exactly-once into D1: a flush in flight keeps its sequence number until D1 confirms it (see rollup_flushes),
// while batches arriving meanwhile accumulate in the next generation.

import { flushStatements, isDuplicateFlushError } from '../adapters/db/analytics-repo';
import { openDatabase } from '../adapters/db/client';
import { queuesOf } from '../adapters/queues/event-bus';
import { evaluateSessionAlerts, type SessionAlertCache } from '../app/alerts/evaluate-session-alerts';
import { noteObjectEvent } from '../app/monitoring/isolate-metrics';
import {
  applyBatch,
  emptyPending,
  isPendingEmpty,
  newSessionState,
  type PendingFlush,
  type SessionIdentity,
  type SessionState,
  type SessionSummary,
  samplePathType,
  summarizeSession,
} from '../domain/analytics/session-aggregator';
import { errorMessage } from '../domain/errors';
import type { ConnectionEvent, StatsSample } from '../domain/quality/types';
import { HealthCheckedObject } from './health';

/** How long deltas wait in the object before a flush: batches D1 writes, keeps dashboards seconds behind. */
export const FLUSH_DELAY_MS = 5_000;
const RETRY_DELAY_MS = 15_000;

export interface IngestInput {
  identity: SessionIdentity;
  samples: StatsSample[];
  events: ConnectionEvent[];
  now: number;
}

export type IngestOutcome =
  | { ok: true; acceptedSamples: number; acceptedEvents: number; duplicateSamples: number; summary: SessionSummary }
  | { ok: false; reason: 'session_taken' };

interface Stored {
  state?: SessionState;
  pending?: PendingFlush;
  inflight?: PendingFlush;
}

export class PeerMetricsAggregator extends HealthCheckedObject {
  protected readonly kind = 'PeerMetricsAggregator';
  // Lives as long as the object: rules and open alerts are reread from D1 when it is empty or a minute old.
  private readonly alertCache: SessionAlertCache = { rules: [], open: new Map(), loadedAt: null };

  private async load(): Promise<Stored> {
    const entries = await this.ctx.storage.get<unknown>(['state', 'pending', 'inflight']);
    return {
      state: entries.get('state') as SessionState | undefined,
      pending: entries.get('pending') as PendingFlush | undefined,
      inflight: entries.get('inflight') as PendingFlush | undefined,
    };
  }

  async ingest(input: IngestInput): Promise<IngestOutcome> {
    const stored = await this.load();
    // A session belongs to the peer (and user) that first reported it.
    if (stored.state && (stored.state.peerId !== input.identity.peerId || stored.state.userId !== input.identity.userId)) {
      return { ok: false, reason: 'session_taken' };
    }
    const state = stored.state ?? newSessionState(input.identity);
    const pending = stored.pending ?? emptyPending((stored.inflight?.seq ?? 0) + 1);
    const result = applyBatch(state, pending, input.samples, input.events, input.now);
    this.writeDataPoints(result.state, input.samples);
    noteObjectEvent(this.env, this.ctx, 'PeerMetricsAggregator', 'ingest');
    await this.ctx.storage.put({ state: result.state, pending: result.pending });
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(input.now + FLUSH_DELAY_MS);
    const summary = summarizeSession(result.state);
    await this.evaluateAlerts(result.state, summary, input.now);
    return {
      ok: true,
      acceptedSamples: result.acceptedSamples,
      acceptedEvents: result.acceptedEvents,
      duplicateSamples: result.duplicateSamples,
      summary,
    };
  }

  // Session alert rules, right after the batch (app/alerts/evaluate-session-alerts.ts). Alerting is best effort: a failure
  // here is logged and never fails the ingest, whose samples are already stored.
  private async evaluateAlerts(state: SessionState, summary: SessionSummary, now: number): Promise<void> {
    try {
      await evaluateSessionAlerts(
        { db: openDatabase(this.env.DB), queues: queuesOf(this.env), budget: this.ctx.storage, cache: this.alertCache, now },
        state,
        {
          samples: state.samples,
          score: summary.score,
          mos: summary.mos,
          rttMs: state.rttMs,
          lossRate: state.lossRate,
          freezes: state.freezes,
          relayOnly: summary.relayOnly,
        },
      );
    } catch (error) {
      console.error(
        JSON.stringify({
          level: 'error',
          msg: 'session alert evaluation failed',
          error: errorMessage(error),
        }),
      );
    }
  }

  /** The session as this object sees it right now (including deltas not yet in D1). */
  async snapshot(): Promise<{ state: SessionState | null; summary: SessionSummary | null; unflushedMinutes: number }> {
    const stored = await this.load();
    return {
      state: stored.state ?? null,
      summary: stored.state ? summarizeSession(stored.state) : null,
      unflushedMinutes: Object.keys(stored.pending?.minutes ?? {}).length + Object.keys(stored.inflight?.minutes ?? {}).length,
    };
  }

  override async alarm(): Promise<void> {
    try {
      await this.flush();
    } catch (error) {
      console.error(
        JSON.stringify({
          level: 'error',
          msg: 'metrics flush failed, will retry',
          error: errorMessage(error),
        }),
      );
      await this.ctx.storage.setAlarm(Date.now() + RETRY_DELAY_MS);
    }
  }

  private async flush(): Promise<void> {
    const stored = await this.load();
    if (!stored.state) return;
    let inflight = stored.inflight;
    if (!inflight) {
      if (!stored.pending || isPendingEmpty(stored.pending)) return;
      inflight = stored.pending;
      await this.ctx.storage.put({ inflight, pending: emptyPending(inflight.seq + 1) });
    }
    const db = openDatabase(this.env.DB);
    try {
      await db.batch(flushStatements(db, stored.state, inflight, Date.now()));
    } catch (error) {
      if (!isDuplicateFlushError(error)) throw error;
    }
    await this.ctx.storage.delete('inflight');
    noteObjectEvent(this.env, this.ctx, 'PeerMetricsAggregator', 'flush');
    // Batches that arrived during the write wait for the next alarm.
    const next = (await this.ctx.storage.get<PendingFlush>('pending')) ?? null;
    if (next && !isPendingEmpty(next)) await this.ctx.storage.setAlarm(Date.now() + FLUSH_DELAY_MS);
  }

  // Raw points for ad-hoc queries (Analytics Engine SQL API). One point per sample; ≤ 250 per invocation, and a
  // batch holds at most 200 samples. Locally the binding accepts and discards them.
  private writeDataPoints(state: SessionState, samples: StatsSample[]): void {
    const dataset = this.env.PEER_STATS;
    if (!dataset) return;
    for (const sample of samples) {
      try {
        dataset.writeDataPoint({
          indexes: [state.sessionId],
          blobs: [
            state.peerId,
            state.videoId ?? '',
            state.roomId ?? '',
            state.country ?? '',
            state.colo ?? '',
            samplePathType(sample),
            sample.connection?.state ?? '',
          ],
          doubles: [
            sample.ts,
            (sample.connection?.currentRoundTripTime ?? -0.001) * 1000,
            (sample.inbound?.jitter ?? -0.001) * 1000,
            sample.inbound?.packetsLost ?? -1,
            sample.inbound?.packetsReceived ?? -1,
            sample.inbound?.bytesReceived ?? -1,
            sample.inbound?.framesPerSecond ?? -1,
            sample.p2p?.bytesFromPeers ?? -1,
            sample.p2p?.bytesFromHttp ?? -1,
          ],
        });
      } catch {
        // Raw points are best effort; rollups are the record.
      }
    }
  }
}
