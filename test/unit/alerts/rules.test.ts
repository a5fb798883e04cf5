import { describe, expect, it } from 'vitest';
import {
  type AlertRule,
  DEFAULT_ALERT_RULES,
  evaluateRule,
  type FleetSummary,
  fleetReadings,
  fleetScopeKey,
  isMetricOfScope,
  matchesFilter,
  sessionReadings,
  stillFiring,
} from '../../../src/domain/alerts/rules';

const rule = (overrides: Partial<AlertRule> = {}): AlertRule => ({
  id: 'rul_test',
  name: 'RTT p95 above 250 ms',
  metric: 'rttP95Ms',
  comparator: 'gt',
  threshold: 250,
  windowSeconds: 300,
  scope: 'fleet',
  minSamples: 10,
  hysteresis: 0,
  enabled: true,
  ...overrides,
});

const summary = (overrides: Partial<FleetSummary> = {}): FleetSummary => ({
  activePeers: 4,
  sessions: 6,
  samples: 500,
  connections: { connected: 45, failed: 5, successRate: 0.9 },
  rttMs: { avg: 120, p95: 300 },
  jitterMsAvg: 4,
  lossRate: 0.01,
  mos: { avg: 4.1 },
  scoreAvg: 82,
  p2p: { offloadRatio: 0.7 },
  freezes: 2,
  ...overrides,
});

describe('rule evaluation', () => {
  it('fires when the fleet metric crosses the threshold in the rule direction', () => {
    expect(evaluateRule(rule(), fleetReadings(summary()))).toEqual({ status: 'firing', value: 300 });
    expect(evaluateRule(rule(), fleetReadings(summary({ rttMs: { avg: 100, p95: 250 } })))).toEqual({ status: 'ok', value: 250 });
    expect(evaluateRule(rule({ comparator: 'gte' }), fleetReadings(summary({ rttMs: { avg: 100, p95: 250 } }))).status).toBe('firing');
  });

  it('handles "below" comparators', () => {
    const success = rule({ metric: 'connectionSuccessRate', comparator: 'lt', threshold: 0.95 });
    expect(evaluateRule(success, fleetReadings(summary()))).toEqual({ status: 'firing', value: 0.9 });
    const offload = rule({ metric: 'offloadRatio', comparator: 'lte', threshold: 0.7 });
    expect(evaluateRule(offload, fleetReadings(summary())).status).toBe('firing');
  });

  it('reports insufficient data when the metric is missing or rests on too few samples', () => {
    expect(evaluateRule(rule(), fleetReadings(summary({ rttMs: { avg: null, p95: null } })))).toEqual({
      status: 'insufficient-data',
      value: null,
    });
    expect(evaluateRule(rule({ minSamples: 1000 }), fleetReadings(summary())).status).toBe('insufficient-data');
    // The success rate counts finished connections (50 here), not stats samples (500).
    const success = rule({ metric: 'connectionSuccessRate', comparator: 'lt', threshold: 0.95, minSamples: 60 });
    expect(evaluateRule(success, fleetReadings(summary())).status).toBe('insufficient-data');
  });

  it('reads session metrics, relayOnly as 1 or 0', () => {
    const readings = sessionReadings({ samples: 30, score: 40, mos: 2.4, rttMs: 420, lossRate: 0.08, freezes: 3, relayOnly: true });
    const mos = rule({ scope: 'session', metric: 'mos', comparator: 'lt', threshold: 3.1 });
    expect(evaluateRule(mos, readings)).toEqual({ status: 'firing', value: 2.4 });
    const relay = rule({ scope: 'session', metric: 'relayOnly', comparator: 'gte', threshold: 1, minSamples: 1 });
    expect(evaluateRule(relay, readings).status).toBe('firing');
    expect(evaluateRule(relay, { ...readings, relayOnly: { value: 0, samples: 30 } }).status).toBe('ok');
  });

  it('moves the resolve threshold by the hysteresis toward ok', () => {
    const above = { comparator: 'gt' as const, threshold: 250, hysteresis: 20 };
    expect(stillFiring(above, 240)).toBe(true);
    expect(stillFiring(above, 230)).toBe(false);
    const below = { comparator: 'lt' as const, threshold: 0.95, hysteresis: 0.01 };
    expect(stillFiring(below, 0.955)).toBe(true);
    expect(stillFiring(below, 0.965)).toBe(false);
  });

  it('keys fleet alerts by their filter and matches sessions against it', () => {
    expect(fleetScopeKey(undefined)).toBe('fleet');
    expect(fleetScopeKey({ country: 'DE', videoId: 'vid_a' })).toBe('fleet:videoId=vid_a,country=DE');
    const session = { videoId: 'vid_a', roomId: null, country: 'DE' };
    expect(matchesFilter(undefined, session)).toBe(true);
    expect(matchesFilter({ country: 'DE' }, session)).toBe(true);
    expect(matchesFilter({ country: 'FR' }, session)).toBe(false);
  });

  it('ships default rules whose metrics belong to their scope', () => {
    expect(DEFAULT_ALERT_RULES.map((r) => r.name)).toContain('MOS below 3.1');
    for (const r of DEFAULT_ALERT_RULES) expect(isMetricOfScope(r.metric, r.scope)).toBe(true);
  });
});
