// Quality of peer sessions from WebRTC getStats samples: MOS, connection score, interval deltas, per-connection
// summaries and mergeable per-minute rollups. Pure functions over plain data; callers do the I/O.
export * from './connection';
export * from './counters';
export * from './mos';
export * from './rollup';
export * from './score';
export * from './types';
