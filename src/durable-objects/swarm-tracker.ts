// One object per video swarm: the WebTorrent-protocol tracker that introduces viewers of the same video to each other for P2P segment sharing.
import { HealthCheckedObject } from './health';

export class SwarmTracker extends HealthCheckedObject {
  protected readonly kind = 'SwarmTracker';
}
