// Alert rules and their evaluation. A rule compares one metric with a threshold, either over the whole fleet
// (the summary numbers of the analytics API over the rule's window, evaluated by a cron job) or per peer
// session (the session's latest state, evaluated by its aggregator Durable Object after every batch).
// Pure: callers hand in the readings; nothing here knows where they came from.

export const COMPARATORS = ['gt', 'gte', 'lt', 'lte'] as const;
export type Comparator = (typeof COMPARATORS)[number];

export const ALERT_SCOPES = ['fleet', 'session'] as const;
export type AlertScope = (typeof ALERT_SCOPES)[number];

/** Fleet metrics: the fields of GET /api/v1/analytics/summary over the rule's window. */
export const FLEET_METRICS = [
  'connectionSuccessRate',
  'rttAvgMs',
  'rttP95Ms',
  'lossRate',
  'jitterMsAvg',
  'mosAvg',
  'scoreAvg',
  'offloadRatio',
  'activePeers',
  'freezes',
] as const;
export type FleetMetric = (typeof FLEET_METRICS)[number];

/** Session metrics: one session's latest state. `relayOnly` reads as 1 (every connected sample via TURN) or 0. */
export const SESSION_METRICS = ['score', 'mos', 'rttMs', 'lossRate', 'freezes', 'relayOnly'] as const;
export type SessionMetric = (typeof SESSION_METRICS)[number];

export type AlertMetric = FleetMetric | SessionMetric;

export interface AlertFilter {
  videoId?: string;
  roomId?: string;
  country?: string;
}

export interface AlertRule {
  id: string;
  name: string;
  metric: AlertMetric;
  comparator: Comparator;
  threshold: number;
  /** Fleet rules: how far back the aggregate reaches. Session rules read the session's latest minute. */
  windowSeconds: number;
  scope: AlertScope;
  filter?: AlertFilter;
  /** Fewer samples than this (connections for connectionSuccessRate) is "insufficient data", never a verdict. */
  minSamples: number;
  /**
   * Distance the value must move back past the threshold before a firing alert resolves (0 = resolve as soon as
   * the condition is false). Stops a value hovering at the threshold from opening and resolving on every run.
   */
  hysteresis: number;
  enabled: boolean;
  notifyUrl?: string | null;
}

export function metricsOf(scope: AlertScope): readonly AlertMetric[] {
  return scope === 'fleet' ? FLEET_METRICS : SESSION_METRICS;
}

export function isMetricOfScope(metric: string, scope: AlertScope): metric is AlertMetric {
  return (metricsOf(scope) as readonly string[]).includes(metric);
}

/** A metric's value and how many observations it rests on. */
export interface MetricReading {
  value: number | null;
  samples: number;
}
export type Readings = Partial<Record<AlertMetric, MetricReading>>;

export type Evaluation =
  | { status: 'firing'; value: number }
  | { status: 'ok'; value: number }
  | { status: 'insufficient-data'; value: number | null };

export function compare(value: number, comparator: Comparator, threshold: number): boolean {
  switch (comparator) {
    case 'gt':
      return value > threshold;
    case 'gte':
      return value >= threshold;
    case 'lt':
      return value < threshold;
    case 'lte':
      return value <= threshold;
  }
}

/** Is the value still bad enough to keep a firing alert open? The threshold moves by the hysteresis toward "ok". */
export function stillFiring(rule: Pick<AlertRule, 'comparator' | 'threshold' | 'hysteresis'>, value: number): boolean {
  const shift = rule.comparator === 'gt' || rule.comparator === 'gte' ? -rule.hysteresis : rule.hysteresis;
  return compare(value, rule.comparator, rule.threshold + shift);
}

export function evaluateRule(rule: AlertRule, readings: Readings): Evaluation {
  const reading = readings[rule.metric];
  if (!reading || reading.value === null || !Number.isFinite(reading.value) || reading.samples < rule.minSamples) {
    return { status: 'insufficient-data', value: reading?.value ?? null };
  }
  const firing = compare(reading.value, rule.comparator, rule.threshold);
  return firing ? { status: 'firing', value: reading.value } : { status: 'ok', value: reading.value };
}

/** The summary report fields fleet rules read (structural: the analytics API's summary satisfies it). */
export interface FleetSummary {
  activePeers: number;
  sessions: number;
  samples: number;
  connections: { connected: number; failed: number; successRate: number | null };
  rttMs: { avg: number | null; p95: number | null };
  jitterMsAvg: number | null;
  lossRate: number | null;
  mos: { avg: number | null };
  scoreAvg: number | null;
  p2p: { offloadRatio: number | null };
  freezes: number;
}

export function fleetReadings(summary: FleetSummary): Record<FleetMetric, MetricReading> {
  const samples = summary.samples;
  return {
    // A success rate rests on finished connection attempts, not on stats samples.
    connectionSuccessRate: {
      value: summary.connections.successRate,
      samples: summary.connections.connected + summary.connections.failed,
    },
    rttAvgMs: { value: summary.rttMs.avg, samples },
    rttP95Ms: { value: summary.rttMs.p95, samples },
    lossRate: { value: summary.lossRate, samples },
    jitterMsAvg: { value: summary.jitterMsAvg, samples },
    mosAvg: { value: summary.mos.avg, samples },
    scoreAvg: { value: summary.scoreAvg, samples },
    offloadRatio: { value: summary.p2p.offloadRatio, samples },
    // Counts are facts, not estimates: always enough data (minSamples still applies to the sessions seen).
    activePeers: { value: summary.activePeers, samples: summary.sessions },
    freezes: { value: summary.freezes, samples },
  };
}

/** The per-session state session rules read (structural: the aggregator's state and summary satisfy it). */
export interface SessionSnapshot {
  samples: number;
  score: number | null;
  mos: number | null;
  rttMs: number | null;
  lossRate: number | null;
  freezes: number;
  relayOnly: boolean;
}

export function sessionReadings(session: SessionSnapshot): Record<SessionMetric, MetricReading> {
  const samples = session.samples;
  return {
    score: { value: session.score, samples },
    mos: { value: session.mos, samples },
    rttMs: { value: session.rttMs, samples },
    lossRate: { value: session.lossRate, samples },
    freezes: { value: session.freezes, samples },
    relayOnly: { value: session.relayOnly ? 1 : 0, samples },
  };
}

/** Does a session (its video, room and country) fall under a rule's filter? No filter matches everything. */
export function matchesFilter(
  filter: AlertFilter | undefined,
  session: { videoId: string | null; roomId: string | null; country: string | null },
): boolean {
  if (!filter) return true;
  return (['videoId', 'roomId', 'country'] as const).every((key) => !filter[key] || filter[key] === session[key]);
}

/** One open alert per (rule, scope key): fleet rules key on their filter, session rules on the session id. */
export function fleetScopeKey(filter: AlertFilter | undefined): string {
  const parts = (['videoId', 'roomId', 'country'] as const).filter((key) => filter?.[key]).map((key) => `${key}=${filter?.[key]}`);
  return parts.length > 0 ? `fleet:${parts.join(',')}` : 'fleet';
}

/** Rules every installation starts with (seeded by migrations/0004_alerts.sql with these ids). */
export const DEFAULT_ALERT_RULES: readonly AlertRule[] = [
  {
    id: 'rul_default_connection_success',
    name: 'Connection success below 95% over 5 min',
    metric: 'connectionSuccessRate',
    comparator: 'lt',
    threshold: 0.95,
    windowSeconds: 300,
    scope: 'fleet',
    minSamples: 20,
    hysteresis: 0.01,
    enabled: true,
  },
  {
    id: 'rul_default_offload',
    name: 'P2P offload ratio below 50% over 15 min',
    metric: 'offloadRatio',
    comparator: 'lt',
    threshold: 0.5,
    windowSeconds: 900,
    scope: 'fleet',
    minSamples: 100,
    hysteresis: 0.02,
    enabled: true,
  },
  {
    id: 'rul_default_session_mos',
    name: 'MOS below 3.1',
    metric: 'mos',
    comparator: 'lt',
    threshold: 3.1,
    windowSeconds: 60,
    scope: 'session',
    minSamples: 10,
    hysteresis: 0.1,
    enabled: true,
  },
];
