// Made-up analytics in the API's exact shapes, for working on the dashboard under `vite` without a backend
// (`/dashboard/?fixtures`). Only loaded in dev mode (see `chooseAnalyticsSource`); never part of a build.
// Values depend on the filters, so filtering visibly changes the page, and on the minute, so polling does too.
import type {
  Alert,
  AnalyticsFilters,
  AnalyticsSummary,
  BreakdownRow,
  CandidateType,
  PeerSession,
  SessionConnectionEvent,
  SessionMinute,
  TimeseriesMetric,
} from '../api-types';
import type { AnalyticsSource } from './analytics-api';
import { BUCKET_MS } from './filters';

const COUNTRIES = ['US', 'DE', 'GB', 'IN', 'BR', 'JP', 'FR', 'NG'];
const VIDEOS = ['vid_fixturelagosstreetfood1', 'vid_fixturenorthernlights22', 'vid_fixturerooftopjazz333'];

function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 4294967296;
}

/** A value in [0, 1) fixed for a key: the same filters give the same numbers. */
const noise = (...parts: (string | number | undefined)[]) => hash(parts.join('|'));

function scale(filters: AnalyticsFilters): number {
  return (filters.country ? 0.15 + noise(filters.country) * 0.2 : 1) * (filters.videoId ? 0.3 + noise(filters.videoId) * 0.2 : 1);
}

const delay = <T>(value: T, ms = 120) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

function session(i: number, filters: AnalyticsFilters): PeerSession {
  const now = Date.now();
  const rtt = 40 + noise('rtt', i) * 400;
  const loss = noise('loss', i) ** 3 * 0.12;
  return {
    sessionId: `ses_fixture${String(i).padStart(16, '0')}`,
    peerId: `peer_fixture${String(i).padStart(16, '0')}`,
    userId: null,
    videoId: filters.videoId ?? VIDEOS[i % VIDEOS.length] ?? null,
    roomId: null,
    country: filters.country ?? COUNTRIES[i % COUNTRIES.length] ?? null,
    colo: 'FRA',
    firstSeenAt: new Date(now - 600_000 - i * 20_000).toISOString(),
    lastSeenAt: new Date(now - i * 7_000).toISOString(),
    samples: 300 + i * 11,
    score: 90 - rtt / 10 - loss * 300,
    mos: Math.max(1, 4.4 - rtt / 400 - loss * 12),
    tier: rtt > 300 ? 'poor' : 'good',
    rttMs: rtt,
    lossRate: loss,
    offloadRatio: 0.3 + noise('off', i) * 0.5,
    relayOnly: noise('relay', i) < 0.2,
    freezes: Math.floor(noise('freeze', i) * 6),
    problemScore: 100 - i * 7,
  };
}

export function fixtureSource(): AnalyticsSource {
  return {
    summary(filters) {
      const k = scale(filters);
      const minute = Math.floor(Date.now() / 60_000);
      const attempted = Math.round(900 * k) + (minute % 7);
      const connected = Math.round(attempted * (0.86 + noise(filters.country, 'ok') * 0.1));
      const summary: AnalyticsSummary = {
        range: { from: filters.from ?? '', to: filters.to ?? '' },
        activePeers: Math.round(240 * k) + (minute % 5),
        sessions: Math.round(610 * k),
        samples: Math.round(183_000 * k),
        connections: { attempted, connected, failed: attempted - connected, successRate: connected / attempted, setupMsAvg: 420 },
        rttMs: { avg: 62 + noise(filters.country) * 60, p50: 48, p95: 180 + noise(filters.videoId) * 90 },
        jitterMsAvg: 6.5,
        lossRate: 0.004 + noise(filters.country, 'loss') * 0.01,
        mos: {
          avg: 4.1 - noise(filters.country, 'mos') * 0.5,
          distribution: {
            excellent: Math.round(9000 * k),
            good: Math.round(5200 * k),
            fair: Math.round(1900 * k),
            poor: Math.round(600 * k),
            bad: Math.round(150 * k),
          },
        },
        scoreAvg: 82,
        p2p: { bytesFromPeers: 8.2e10 * k, bytesFromHttp: 2.6e10 * k, offloadRatio: 8.2 / 10.8 },
        candidateTypes: { host: Math.round(120 * k), srflx: Math.round(390 * k), prflx: Math.round(60 * k), relay: Math.round(45 * k) },
        freezes: Math.round(37 * k),
      };
      return delay(summary, 60);
    },
    timeseries(filters, metric, bucket) {
      const from = Date.parse(filters.from ?? '') || Date.now() - 3_600_000;
      const to = Date.parse(filters.to ?? '') || Date.now();
      const step = BUCKET_MS[bucket];
      const base: Record<TimeseriesMetric, number> = {
        rtt: 60,
        jitter: 6,
        loss: 0.006,
        mos: 4.1,
        score: 82,
        activePeers: 240,
        offload: 0.74,
        bytesFromPeers: 4e8,
        bytesFromHttp: 1.4e8,
        connectionSuccessRate: 0.92,
      };
      const points = [];
      for (let t = Math.ceil(from / step) * step; t < to; t += step) {
        const wave = Math.sin(t / (step * 9)) * 0.15 + (noise(metric, t, filters.country, filters.videoId) - 0.5) * 0.2;
        const value = metric === 'activePeers' ? Math.round(base[metric] * scale(filters) * (1 + wave)) : base[metric] * (1 + wave);
        points.push({ t: new Date(t).toISOString(), value: metric === 'mos' ? Math.min(4.5, value) : value });
      }
      return delay({ metric, bucketSeconds: step / 1000, points });
    },
    breakdown(filters, by) {
      const keys = by === 'country' ? (filters.country ? [filters.country] : COUNTRIES) : VIDEOS;
      const rows: BreakdownRow[] = keys.map((key, i) => ({
        key,
        sessions: Math.round(200 / (i + 1)),
        samples: Math.round(60_000 / (i + 1)),
        rttAvgMs: 40 + noise(key) * 150,
        lossRate: noise(key, 'loss') * 0.02,
        mosAvg: 3.6 + noise(key, 'mos') * 0.8,
        offloadRatio: 0.55 + noise(key, 'off') * 0.3,
        bytesFromPeers: 3e10 / (i + 1),
        bytesFromHttp: 1e10 / (i + 1),
      }));
      return delay({ by, rows }, 160);
    },
    sessions(filters, options) {
      return delay({ items: Array.from({ length: options.limit }, (_, i) => session(i, filters)), nextCursor: null }, 180);
    },
    session(sessionId) {
      const index = Number(sessionId.slice(-4)) || 0;
      const item = session(index, {});
      const start = Date.parse(item.firstSeenAt);
      const minutes: SessionMinute[] = Array.from({ length: 10 }, (_, m) => ({
        minute: new Date(Math.floor(start / 60_000) * 60_000 + m * 60_000).toISOString(),
        samples: 60,
        rttAvgMs: (item.rttMs ?? 100) * (0.8 + noise(sessionId, m) * 0.4),
        lossRate: (item.lossRate ?? 0) * (0.5 + noise(sessionId, 'l', m)),
        mosAvg: item.mos,
        scoreAvg: item.score,
        bytesReceived: 2.1e7,
        bytesFromPeers: 1.4e7,
        bytesFromHttp: 0.7e7,
        freezes: m === 4 ? 2 : 0,
      }));
      const types: CandidateType[] = ['srflx', 'host', 'relay'];
      const events: SessionConnectionEvent[] = types.flatMap((type, i) => [
        {
          ts: new Date(start + i * 900).toISOString(),
          remotePeerId: `peer_remote${i}`,
          type: 'attempted',
          localCandidateType: null,
          remoteCandidateType: null,
          protocol: null,
          setupMs: null,
        },
        {
          ts: new Date(start + i * 900 + 400).toISOString(),
          remotePeerId: `peer_remote${i}`,
          type: i === 2 ? 'failed' : 'connected',
          localCandidateType: type,
          remoteCandidateType: 'srflx',
          protocol: 'udp',
          setupMs: i === 2 ? null : 400,
        },
      ]);
      return delay({ session: item, minutes, events });
    },
    alerts(state) {
      const alerts: Alert[] =
        state === 'firing'
          ? [
              {
                id: 'alt_fixture1',
                ruleId: 'rule_rtt',
                ruleName: 'RTT p95 above 250 ms',
                metric: 'rttP95',
                scope: 'fleet',
                scopeKey: 'fleet:country=IN',
                state: 'firing',
                value: 312,
                threshold: 250,
                startedAt: new Date(Date.now() - 540_000).toISOString(),
                resolvedAt: null,
              },
            ]
          : [];
      return delay({ items: alerts, nextCursor: null }, 90);
    },
  };
}
