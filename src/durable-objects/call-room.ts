// One object per call room: presence and offer/answer/ICE relay between the room's peers over hibernatable WebSockets.
import { HealthCheckedObject } from './health';

export class CallRoom extends HealthCheckedObject {
  protected readonly kind = 'CallRoom';
}
