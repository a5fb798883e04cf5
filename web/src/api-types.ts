// Wire types of the JSON API as the web app uses them. Where the API's zod schema lives in a src/workers/*schemas.ts
// module, the type is inferred from it (`z.output`: what the Worker sends, after defaults and transforms), so the page
// and the route cannot drift apart. These imports are type-only: nothing of zod or the Worker reaches the bundle.
// The analytics types below are still written out by hand: their response schemas live in the route files
// (analytics-query.ts, alerts.ts) and are looser than what the reports produce (e.g. breakdown rows are
// `Record<string, unknown>` there); keep them in step with /api/v1/openapi.json until those schemas are tightened.
import type { z } from 'zod';
import type { SessionIdentity } from '../../src/domain/analytics/session-aggregator';
import type { Page } from '../../src/domain/pagination';
import type { CandidateType } from '../../src/domain/quality/types';
import type { Role } from '../../src/domain/roles';
import type { SessionSchema, UserSchema, VideoSchema, Visibility as VisibilitySchema } from '../../src/workers/schemas';

export type { CandidateType, Page, Role };

export type User = z.output<typeof UserSchema>;

/** Body of signup, login and refresh responses; `expiresIn` is the access token's lifetime in seconds. */
export type AuthResult = z.output<typeof SessionSchema>;

export type Visibility = z.output<typeof VisibilitySchema>;

export type Video = z.output<typeof VideoSchema>;

/** One entry of `error.details` for validation failures (src/workers/errors.ts `validationDetails`). */
export interface ValidationIssue {
  location: string;
  /** Dot-joined path inside the location, e.g. "email" or "tags.0". */
  path: string;
  message: string;
  code?: string;
}

/** Every non-2xx response of the API carries this body. */
export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
    details?: unknown;
    requestId?: string;
  };
}

// ─── Analytics (GET /api/v1/analytics/*, /api/v1/alerts; admins or API keys with analytics:read) ───────────────

/** Filters every analytics report accepts. `from`/`to`: ISO 8601 or epoch ms; the API defaults to the last hour. */
export interface AnalyticsFilters {
  from?: string;
  to?: string;
  videoId?: string;
  roomId?: string;
  /** ISO 3166-1 alpha-2, e.g. "DE". */
  country?: string;
  candidateType?: CandidateType;
}

export interface MosDistribution {
  excellent: number;
  good: number;
  fair: number;
  poor: number;
  bad: number;
}

export interface AnalyticsSummary {
  range: { from: string; to: string };
  activePeers: number;
  sessions: number;
  samples: number;
  connections: {
    attempted: number;
    connected: number;
    failed: number;
    /** connected ÷ attempted, 0–1; null without attempts. */
    successRate: number | null;
    setupMsAvg: number | null;
  };
  rttMs: { avg: number | null; p50: number | null; p95: number | null };
  jitterMsAvg: number | null;
  /** 0–1. */
  lossRate: number | null;
  mos: { avg: number | null; distribution: MosDistribution };
  scoreAvg: number | null;
  p2p: { bytesFromPeers: number; bytesFromHttp: number; offloadRatio: number | null };
  candidateTypes: Record<CandidateType, number>;
  freezes: number;
}

export type TimeseriesMetric =
  | 'rtt'
  | 'jitter'
  | 'loss'
  | 'mos'
  | 'score'
  | 'activePeers'
  | 'offload'
  | 'bytesFromPeers'
  | 'bytesFromHttp'
  | 'connectionSuccessRate';

export type TimeseriesBucket = '1m' | '5m' | '15m' | '1h' | '1d';

export interface Timeseries {
  metric: TimeseriesMetric;
  bucketSeconds: number;
  /** `t` is the start of the bucket; `value` is null for buckets without data. */
  points: { t: string; value: number | null }[];
}

export type BreakdownDimension = 'country' | 'video' | 'room' | 'candidateType';

export interface BreakdownRow {
  key: string;
  /** In the contract; a server may leave it out (the dashboard then drops the column). */
  sessions?: number;
  samples: number;
  rttAvgMs: number | null;
  lossRate: number | null;
  mosAvg: number | null;
  offloadRatio: number | null;
  bytesFromPeers: number;
  bytesFromHttp: number;
}

export interface Breakdown {
  by: BreakdownDimension;
  rows: BreakdownRow[];
}

/** One peer session as the analytics API lists it: who and where (as its aggregator knows it), then its quality. */
export interface PeerSession extends SessionIdentity {
  firstSeenAt: string;
  lastSeenAt: string;
  samples: number;
  score: number | null;
  mos: number | null;
  tier: string | null;
  rttMs: number | null;
  lossRate: number | null;
  offloadRatio: number | null;
  relayOnly: boolean;
  freezes: number;
  /** Higher is worse; "top problem sessions" are sorted by it. */
  problemScore: number;
}

export interface SessionMinute {
  minute: string;
  samples: number;
  rttAvgMs: number | null;
  lossRate: number | null;
  mosAvg: number | null;
  scoreAvg: number | null;
  bytesReceived: number;
  bytesFromPeers: number;
  bytesFromHttp: number;
  freezes: number;
}

export interface SessionConnectionEvent {
  ts: string;
  remotePeerId: string;
  type: 'attempted' | 'connected' | 'failed' | 'closed';
  localCandidateType: CandidateType | null;
  remoteCandidateType: CandidateType | null;
  protocol: 'udp' | 'tcp' | null;
  setupMs: number | null;
}

export interface SessionDetail {
  session: PeerSession;
  minutes: SessionMinute[];
  events: SessionConnectionEvent[];
}

export interface Alert {
  id: string;
  ruleId: string;
  ruleName: string;
  metric: string;
  /** Fleet rules watch aggregates (optionally of one video, room or country); session rules one peer session. */
  scope: 'fleet' | 'session';
  /** "fleet", "fleet:videoId=…,country=…", or the session id of a session alert. */
  scopeKey: string;
  state: 'firing' | 'resolved';
  value: number | null;
  threshold: number | null;
  startedAt: string;
  resolvedAt: string | null;
}

export type ExportReport = 'summary' | 'timeseries' | 'breakdown' | 'sessions';
