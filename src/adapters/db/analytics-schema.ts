// Analytics rollups written by the per-peer aggregator Durable Objects. Every metric column is additive (sums
// and counts, plus fixed-bucket histograms), so a flush adds its deltas with UPSERT `col = col + excluded.col`
// and any time range or group is answered by SUM()s: averages are sum ÷ count, percentiles come from summed
// histograms (domain/quality/rollup.ts). Each flush is exactly-once through `rollup_flushes` (see there).
import { index, integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// Columns shared by the per-session and the fleet-wide minute rollups.
const metricColumns = () => ({
  samples: integer('samples').notNull().default(0),
  rttSumMs: real('rtt_sum_ms').notNull().default(0),
  rttCount: integer('rtt_count').notNull().default(0),
  rttMaxMs: real('rtt_max_ms').notNull().default(0),
  jitterSumMs: real('jitter_sum_ms').notNull().default(0),
  jitterCount: integer('jitter_count').notNull().default(0),
  packetsLost: integer('packets_lost').notNull().default(0),
  packetsReceived: integer('packets_received').notNull().default(0),
  bytesReceived: integer('bytes_received').notNull().default(0),
  bytesSent: integer('bytes_sent').notNull().default(0),
  bytesFromPeers: integer('bytes_from_peers').notNull().default(0),
  bytesFromHttp: integer('bytes_from_http').notNull().default(0),
  segmentsFromPeers: integer('segments_from_peers').notNull().default(0),
  segmentsFromHttp: integer('segments_from_http').notNull().default(0),
  freezes: integer('freezes').notNull().default(0),
  framesDropped: integer('frames_dropped').notNull().default(0),
  mosSum: real('mos_sum').notNull().default(0),
  mosCount: integer('mos_count').notNull().default(0),
  scoreSum: real('score_sum').notNull().default(0),
  scoreCount: integer('score_count').notNull().default(0),
  // Connected samples by ICE path type (relay if either side relays, else prflx/srflx, else host).
  candidateHost: integer('candidate_host').notNull().default(0),
  candidateSrflx: integer('candidate_srflx').notNull().default(0),
  candidatePrflx: integer('candidate_prflx').notNull().default(0),
  candidateRelay: integer('candidate_relay').notNull().default(0),
  peersConnectedMax: integer('peers_connected_max').notNull().default(0),
  // RTT histogram, bucket upper edges 25/50/100/150/200/300/500/1000/∞ ms (domain/quality/rollup.ts).
  rttH0: integer('rtt_h0').notNull().default(0),
  rttH1: integer('rtt_h1').notNull().default(0),
  rttH2: integer('rtt_h2').notNull().default(0),
  rttH3: integer('rtt_h3').notNull().default(0),
  rttH4: integer('rtt_h4').notNull().default(0),
  rttH5: integer('rtt_h5').notNull().default(0),
  rttH6: integer('rtt_h6').notNull().default(0),
  rttH7: integer('rtt_h7').notNull().default(0),
  rttH8: integer('rtt_h8').notNull().default(0),
  // Samples per MOS band (G.107 Annex B user satisfaction).
  mosExcellent: integer('mos_excellent').notNull().default(0),
  mosGood: integer('mos_good').notNull().default(0),
  mosFair: integer('mos_fair').notNull().default(0),
  mosPoor: integer('mos_poor').notNull().default(0),
  mosBad: integer('mos_bad').notNull().default(0),
  // Connection lifecycle events in this minute.
  connAttempted: integer('conn_attempted').notNull().default(0),
  connConnected: integer('conn_connected').notNull().default(0),
  connFailed: integer('conn_failed').notNull().default(0),
  connClosed: integer('conn_closed').notNull().default(0),
  setupMsSum: real('setup_ms_sum').notNull().default(0),
  setupCount: integer('setup_count').notNull().default(0),
});

export type MetricColumns = ReturnType<typeof metricColumns>;

// The dimensions of both fleet rollups ('' = none/unknown, so they can be part of the primary key).
const fleetDimensions = () => ({
  videoId: text('video_id').notNull().default(''),
  roomId: text('room_id').notNull().default(''),
  country: text('country').notNull().default(''),
  // The session-minute's dominant ICE path type (most connected samples), '' if none was connected: lets every
  // metric be filtered by path type while the candidate_* columns keep the exact mix.
  candidateType: text('candidate_type').notNull().default(''),
});

/** Fleet-wide minute rollup: one row per (minute, video, room, country, candidate type). Dashboards read this. */
export const analyticsMinutes = sqliteTable(
  'analytics_minutes',
  {
    minute: integer('minute').notNull(), // epoch ms, start of the minute
    ...fleetDimensions(),
    ...metricColumns(),
  },
  (t) => [
    primaryKey({ columns: [t.minute, t.videoId, t.roomId, t.country, t.candidateType] }),
    // Filtered dashboards: WHERE video_id = ? AND minute BETWEEN ? AND ? (the primary key serves unfiltered ranges).
    index('analytics_minutes_video').on(t.videoId, t.minute),
    index('analytics_minutes_country').on(t.country, t.minute),
    index('analytics_minutes_room').on(t.roomId, t.minute),
  ],
);

/**
 * Fleet-wide hourly rollup, written in the same flush as the minutes. Ranges of hours read whole hours here and
 * only the partial hours at their edges from analytics_minutes: a 24 h summary sums ~1/60 of the rows.
 */
export const analyticsHours = sqliteTable(
  'analytics_hours',
  {
    hour: integer('hour').notNull(), // epoch ms, start of the hour
    ...fleetDimensions(),
    ...metricColumns(),
  },
  (t) => [
    primaryKey({ columns: [t.hour, t.videoId, t.roomId, t.country, t.candidateType] }),
    index('analytics_hours_video').on(t.videoId, t.hour),
    index('analytics_hours_country').on(t.country, t.hour),
    index('analytics_hours_room').on(t.roomId, t.hour),
  ],
);

/** Per-session minute rollup: the drill-down of one peer session. */
export const sessionMinutes = sqliteTable(
  'session_minutes',
  {
    sessionId: text('session_id').notNull(),
    minute: integer('minute').notNull(),
    ...metricColumns(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.minute] }), index('session_minutes_minute').on(t.minute)],
);

/** Latest state of every peer session (one row per session, replaced on each flush). */
export const peerSessions = sqliteTable(
  'peer_sessions',
  {
    sessionId: text('session_id').primaryKey(),
    peerId: text('peer_id').notNull(),
    userId: text('user_id'),
    videoId: text('video_id'),
    roomId: text('room_id'),
    country: text('country'),
    colo: text('colo'),
    firstSeenAt: integer('first_seen_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
    samples: integer('samples').notNull(),
    score: real('score'),
    mos: real('mos'),
    tier: text('tier'),
    rttMs: real('rtt_ms'),
    lossRate: real('loss_rate'),
    bytesFromPeers: integer('bytes_from_peers').notNull(),
    bytesFromHttp: integer('bytes_from_http').notNull(),
    offloadRatio: real('offload_ratio'),
    relayOnly: integer('relay_only', { mode: 'boolean' }).notNull(),
    freezes: integer('freezes').notNull(),
    connAttempted: integer('conn_attempted').notNull(),
    connConnected: integer('conn_connected').notNull(),
    connFailed: integer('conn_failed').notNull(),
    // Higher is worse: ranks "top problem sessions" (domain/quality, problemScore).
    problemScore: real('problem_score').notNull(),
  },
  (t) => [
    // Active peers: WHERE last_seen_at >= now - 60 s; recent sessions: ORDER BY last_seen_at DESC.
    index('peer_sessions_last_seen').on(t.lastSeenAt, t.sessionId),
    index('peer_sessions_problem').on(t.problemScore, t.sessionId),
    index('peer_sessions_video').on(t.videoId, t.lastSeenAt),
  ],
);

export const connectionEvents = sqliteTable(
  'connection_events',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    sessionId: text('session_id').notNull(),
    ts: integer('ts').notNull(),
    remotePeerId: text('remote_peer_id').notNull(),
    type: text('type').$type<'attempted' | 'connected' | 'failed' | 'closed'>().notNull(),
    localCandidateType: text('local_candidate_type'),
    remoteCandidateType: text('remote_candidate_type'),
    protocol: text('protocol'),
    setupMs: real('setup_ms'),
  },
  (t) => [index('connection_events_session').on(t.sessionId, t.ts), index('connection_events_ts').on(t.ts)],
);

// Exactly-once flushes: every flush of an aggregator carries (session, sequence number) and inserts this row in
// the same D1 batch (one transaction) as its increments. A flush retried after an unacknowledged success hits
// the primary key, the whole batch rolls back, and nothing is counted twice.
export const rollupFlushes = sqliteTable(
  'rollup_flushes',
  {
    sessionId: text('session_id').notNull(),
    seq: integer('seq').notNull(),
    flushedAt: integer('flushed_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sessionId, t.seq] }), index('rollup_flushes_at').on(t.flushedAt)],
);
