// Turns summed rollup rows into the report shapes of the analytics API (shared by the JSON routes and export).

import type { AggregatedRow } from '../../adapters/db/analytics-queries';
import { toRollup } from '../../adapters/db/analytics-queries';
import { toCsv } from '../../domain/csv';
import { offloadRatio } from '../../domain/quality/connection';
import { percentileFromHistogram, RTT_HISTOGRAM_EDGES_MS, rollupMetrics } from '../../domain/quality/rollup';

const round = (value: number | null, digits = 3) => (value === null ? null : Number(value.toFixed(digits)));

export function summaryReport(row: AggregatedRow, counts: { sessions: number; activePeers: number }, range: { from: number; to: number }) {
  const metrics = rollupMetrics(toRollup(row));
  const finished = row.connConnected + row.connFailed;
  return {
    range: { from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() },
    activePeers: counts.activePeers,
    sessions: counts.sessions,
    samples: row.samples,
    connections: {
      attempted: row.connAttempted,
      connected: row.connConnected,
      failed: row.connFailed,
      successRate: finished > 0 ? round(row.connConnected / finished, 4) : null,
      setupMsAvg: row.setupCount > 0 ? round(row.setupMsSum / row.setupCount, 1) : null,
    },
    rttMs: {
      avg: round(metrics.rttMeanMs, 1),
      p50: round(percentileFromHistogram(RTT_HISTOGRAM_EDGES_MS, toRollup(row).rttHistogram, 0.5), 1),
      p95: round(metrics.rttP95Ms, 1),
    },
    jitterMsAvg: round(metrics.jitterMeanMs, 2),
    lossRate: round(metrics.lossFraction, 5),
    mos: {
      avg: round(metrics.mosMean, 3),
      distribution: { excellent: row.mosExcellent, good: row.mosGood, fair: row.mosFair, poor: row.mosPoor, bad: row.mosBad },
    },
    scoreAvg: round(metrics.scoreMean, 1),
    p2p: { bytesFromPeers: row.bytesFromPeers, bytesFromHttp: row.bytesFromHttp, offloadRatio: round(metrics.offloadRatio, 4) },
    candidateTypes: { host: row.candidateHost, srflx: row.candidateSrflx, prflx: row.candidatePrflx, relay: row.candidateRelay },
    freezes: row.freezes,
  };
}

export const TIMESERIES_METRICS = [
  'rtt',
  'jitter',
  'loss',
  'mos',
  'score',
  'activePeers',
  'offload',
  'bytesFromPeers',
  'bytesFromHttp',
  'connectionSuccessRate',
] as const;
export type TimeseriesMetric = (typeof TIMESERIES_METRICS)[number];

export function metricValue(metric: Exclude<TimeseriesMetric, 'activePeers'>, row: AggregatedRow): number | null {
  const metrics = rollupMetrics(toRollup(row));
  switch (metric) {
    case 'rtt':
      return round(metrics.rttMeanMs, 1);
    case 'jitter':
      return round(metrics.jitterMeanMs, 2);
    case 'loss':
      return round(metrics.lossFraction, 5);
    case 'mos':
      return round(metrics.mosMean, 3);
    case 'score':
      return round(metrics.scoreMean, 1);
    case 'offload':
      return round(metrics.offloadRatio, 4);
    case 'bytesFromPeers':
      return row.bytesFromPeers;
    case 'bytesFromHttp':
      return row.bytesFromHttp;
    case 'connectionSuccessRate': {
      const finished = row.connConnected + row.connFailed;
      return finished > 0 ? round(row.connConnected / finished, 4) : null;
    }
  }
}

export function breakdownRow(row: AggregatedRow & { key: string }) {
  const metrics = rollupMetrics(toRollup(row));
  return {
    key: row.key,
    samples: row.samples,
    rttAvgMs: round(metrics.rttMeanMs, 1),
    lossRate: round(metrics.lossFraction, 5),
    mosAvg: round(metrics.mosMean, 3),
    offloadRatio: round(offloadRatio(row.bytesFromPeers, row.bytesFromHttp), 4),
    bytesFromPeers: row.bytesFromPeers,
    bytesFromHttp: row.bytesFromHttp,
  };
}

export function minuteRow(row: AggregatedRow & { minute: number }) {
  const metrics = rollupMetrics(toRollup(row));
  return {
    minute: new Date(row.minute).toISOString(),
    samples: row.samples,
    rttAvgMs: round(metrics.rttMeanMs, 1),
    lossRate: round(metrics.lossFraction, 5),
    mosAvg: round(metrics.mosMean, 3),
    scoreAvg: round(metrics.scoreMean, 1),
    bytesReceived: row.bytesReceived,
    bytesFromPeers: row.bytesFromPeers,
    bytesFromHttp: row.bytesFromHttp,
    freezes: row.freezes,
  };
}

/** The rows as CSV with their keys as the header (domain/csv.ts: quoted, guarded against formula injection). */
export function rowsToCsv(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '';
  return toCsv(Object.keys(rows[0] as object), rows);
}
