// One object per peer session: rolls WebRTC getStats samples into rates, quality scores and per-minute rollups.
import { HealthCheckedObject } from './health';

export class PeerMetricsAggregator extends HealthCheckedObject {
  protected readonly kind = 'PeerMetricsAggregator';
}
