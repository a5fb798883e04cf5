// Writes of the metric aggregators (one exactly-once batch per flush) — the queries live in analytics-queries.ts.
import { getTableColumns, sql } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import {
  dominantCandidateType,
  type EventCounts,
  type PendingFlush,
  type SessionState,
  summarizeSession,
} from '../../domain/analytics/session-aggregator';
import { chunk } from '../../domain/collections';
import { emptyRollup, type MinuteRollup, MOS_HISTOGRAM_BANDS } from '../../domain/quality/rollup';
import { analyticsHours, analyticsMinutes, connectionEvents, peerSessions, rollupFlushes, sessionMinutes } from './analytics-schema';
import type { Database } from './client';

type MetricValues = Record<string, number>;

const MOS_COLUMN: Record<string, string> = { bad: 'mosBad', poor: 'mosPoor', fair: 'mosFair', good: 'mosGood', excellent: 'mosExcellent' };

/** A rollup row and the minute's event counts as the additive metric columns. */
export function metricValues(row: MinuteRollup, counts: EventCounts | undefined): MetricValues {
  const values: MetricValues = {
    samples: row.samples,
    rttSumMs: row.rttSumMs,
    rttCount: row.rttCount,
    rttMaxMs: row.rttMaxMs,
    jitterSumMs: row.jitterSumMs,
    jitterCount: row.jitterCount,
    packetsLost: row.packetsLost,
    packetsReceived: row.packetsReceived,
    bytesReceived: row.bytesReceived,
    bytesSent: row.bytesSent,
    bytesFromPeers: row.bytesFromPeers,
    bytesFromHttp: row.bytesFromHttp,
    segmentsFromPeers: row.segmentsFromPeers,
    segmentsFromHttp: row.segmentsFromHttp,
    freezes: row.freezes,
    framesDropped: row.framesDropped,
    mosSum: row.mosSum,
    mosCount: row.mosCount,
    scoreSum: row.scoreSum,
    scoreCount: row.scoreCount,
    candidateHost: row.candidateHost,
    candidateSrflx: row.candidateSrflx,
    candidatePrflx: row.candidatePrflx,
    candidateRelay: row.candidateRelay,
    peersConnectedMax: row.peersConnectedMax,
    connAttempted: counts?.attempted ?? 0,
    connConnected: counts?.connected ?? 0,
    connFailed: counts?.failed ?? 0,
    connClosed: counts?.closed ?? 0,
    setupMsSum: counts?.setupMsSum ?? 0,
    setupCount: counts?.setupCount ?? 0,
  };
  row.rttHistogram.forEach((count, i) => {
    values[`rttH${i}`] = count;
  });
  MOS_HISTOGRAM_BANDS.forEach((band, i) => {
    values[MOS_COLUMN[band] as string] = row.mosHistogram[i] ?? 0;
  });
  return values;
}

const MAX_COLUMNS = new Set(['rttMaxMs', 'peersConnectedMax']);
const HOUR_MS = 3_600_000;

/** `SET col = col + excluded.col` for every metric column (max() for maxima). */
function additiveSet(table: typeof analyticsMinutes | typeof analyticsHours | typeof sessionMinutes, keys: string[]) {
  const columns = getTableColumns(table) as Record<string, { name: string }>;
  return Object.fromEntries(
    keys.map((key) => {
      const name = (columns[key] as { name: string }).name;
      const expression = MAX_COLUMNS.has(key) ? sql.raw(`max("${name}", excluded."${name}")`) : sql.raw(`"${name}" + excluded."${name}"`);
      return [key, expression];
    }),
  );
}

/** Every minute touched by the pending flush, with its rollup (empty if only events happened) and events. */
function pendingMinutes(pending: PendingFlush): { minute: number; row: MinuteRollup; counts: EventCounts | undefined }[] {
  const minutes = new Set([...Object.keys(pending.minutes), ...Object.keys(pending.eventMinutes)]);
  return [...minutes].map((key) => ({
    minute: Number(key),
    row: pending.minutes[key] ?? emptyRollup(Number(key)),
    counts: pending.eventMinutes[key],
  }));
}

export function flushStatements(
  db: Database,
  state: SessionState,
  pending: PendingFlush,
  now: number,
): [BatchItem<'sqlite'>, ...BatchItem<'sqlite'>[]] {
  const summary = summarizeSession(state);
  const statements: BatchItem<'sqlite'>[] = [];
  for (const { minute, row, counts } of pendingMinutes(pending)) {
    const values = metricValues(row, counts);
    const keys = Object.keys(values);
    statements.push(
      db
        .insert(sessionMinutes)
        .values({ sessionId: state.sessionId, minute, ...values })
        .onConflictDoUpdate({ target: [sessionMinutes.sessionId, sessionMinutes.minute], set: additiveSet(sessionMinutes, keys) }),
      db
        .insert(analyticsMinutes)
        .values({
          minute,
          videoId: state.videoId ?? '',
          roomId: state.roomId ?? '',
          country: state.country ?? '',
          candidateType: dominantCandidateType(row),
          ...values,
        })
        .onConflictDoUpdate({
          target: [
            analyticsMinutes.minute,
            analyticsMinutes.videoId,
            analyticsMinutes.roomId,
            analyticsMinutes.country,
            analyticsMinutes.candidateType,
          ],
          set: additiveSet(analyticsMinutes, keys),
        }),
    );
  }
  // The hourly rollup gets the same deltas, summed per hour first (one upsert per hour and dimension set).
  const hours = new Map<string, { hour: number; candidateType: string; values: MetricValues }>();
  for (const { minute, row, counts } of pendingMinutes(pending)) {
    const hour = Math.floor(minute / HOUR_MS) * HOUR_MS;
    const candidateType = dominantCandidateType(row);
    const key = `${hour}|${candidateType}`;
    const values = metricValues(row, counts);
    const existing = hours.get(key)?.values;
    if (!existing) {
      hours.set(key, { hour, candidateType, values });
      continue;
    }
    for (const [name, value] of Object.entries(values)) {
      existing[name] = MAX_COLUMNS.has(name) ? Math.max(existing[name] ?? 0, value) : (existing[name] ?? 0) + value;
    }
  }
  for (const { hour, candidateType, values } of hours.values()) {
    statements.push(
      db
        .insert(analyticsHours)
        .values({ hour, videoId: state.videoId ?? '', roomId: state.roomId ?? '', country: state.country ?? '', candidateType, ...values })
        .onConflictDoUpdate({
          target: [
            analyticsHours.hour,
            analyticsHours.videoId,
            analyticsHours.roomId,
            analyticsHours.country,
            analyticsHours.candidateType,
          ],
          set: additiveSet(analyticsHours, Object.keys(values)),
        }),
    );
  }
  const session = {
    sessionId: state.sessionId,
    peerId: state.peerId,
    userId: state.userId,
    videoId: state.videoId,
    roomId: state.roomId,
    country: state.country,
    colo: state.colo,
    firstSeenAt: state.firstSeenAt,
    lastSeenAt: state.lastSeenAt,
    samples: state.samples,
    score: summary.score,
    mos: summary.mos,
    tier: summary.tier,
    rttMs: state.rttMs,
    lossRate: state.lossRate,
    bytesFromPeers: state.bytesFromPeers,
    bytesFromHttp: state.bytesFromHttp,
    offloadRatio: summary.offloadRatio,
    relayOnly: summary.relayOnly,
    freezes: state.freezes,
    connAttempted: state.connAttempted,
    connConnected: state.connConnected,
    connFailed: state.connFailed,
    problemScore: summary.problemScore,
  };
  const { sessionId: _id, ...update } = session;
  statements.push(db.insert(peerSessions).values(session).onConflictDoUpdate({ target: peerSessions.sessionId, set: update }));
  for (const events of chunk(pending.events, 10)) {
    statements.push(
      db.insert(connectionEvents).values(
        events.map((event) => ({
          sessionId: state.sessionId,
          ts: event.ts,
          remotePeerId: event.remotePeerId,
          type: event.type,
          localCandidateType: event.localCandidateType ?? null,
          remoteCandidateType: event.remoteCandidateType ?? null,
          protocol: event.protocol ?? null,
          setupMs: event.setupMs ?? null,
        })),
      ),
    );
  }
  // First in the batch: if this flush already landed, the primary key fails and nothing below is applied twice.
  return [db.insert(rollupFlushes).values({ sessionId: state.sessionId, seq: pending.seq, flushedAt: now }), ...statements];
}

export function isDuplicateFlushError(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : String(error);
  return /UNIQUE constraint failed: rollup_flushes/.test(text);
}
