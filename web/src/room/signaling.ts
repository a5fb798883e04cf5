// The room page's end of the call room WebSocket (/api/v1/rooms/{roomId}/ws): join, heartbeat, relay of
// offer/answer/ICE frames, and reconnection. Messages are the typed protocol of src/shared/room-protocol.ts.
//
// Reconnecting: the room holds a dropped peer's seat for its grace window (30 s, README "Call rooms"), and the
// peer id is bound to the room token, so a reconnect reuses the same token while it is valid — the room then
// answers `welcome` with `resumed: true`. Only when the token has expired does the page ask for a new one, which
// means a new peer id (the others see the old one leave and a new one join). After `room_full`, `replaced`
// (another tab of the same user took the seat), `removed` (by the host) or a deliberate leave, it does not
// reconnect.
import { DEFAULT_MESSAGE_RATE } from '../../../src/domain/rooms/rate-limiter';
import { fullBucket, type TokenBucketConfig, type TokenBucketState, takeToken } from '../../../src/domain/token-bucket';
import { type ClientMessage, PING_FRAME, ROOM_CLOSE_CODES, type ServerMessage, type SignalData } from '../../../src/shared/room-protocol';

export interface RoomToken {
  token: string;
  peerId: string;
  expiresAtMs: number;
}

export type SignalingEndReason = 'left' | 'room_full' | 'replaced' | 'removed' | 'gave_up';

export interface SignalingHandlers {
  onMessage(message: ServerMessage): void;
  /** The socket dropped and a reconnect is scheduled (attempt counts from 1). */
  onReconnecting(attempt: number, delayMs: number): void;
  /** No more reconnects: the call is over for this page. `message` is the room's own words when it gave any. */
  onEnded(reason: SignalingEndReason, message: string | null): void;
}

export interface SignalingOptions {
  roomId: string;
  displayName?: string;
  /** Gets a room token (POST /api/v1/tokens/room); called again only when the current one has expired. */
  fetchToken(): Promise<RoomToken>;
  /** Heartbeat period; the runtime answers without waking the room. */
  heartbeatMs?: number;
  maxReconnectAttempts?: number;
}

/** A token this close to expiry is not used for a new connection (the upgrade itself takes a moment). */
const TOKEN_EXPIRY_MARGIN_MS = 10_000;
const DEFAULT_HEARTBEAT_MS = 20_000;
const DEFAULT_MAX_RECONNECTS = 8;

/**
 * The room answers messages beyond its per-connection budget (DEFAULT_MESSAGE_RATE) with `rate_limited` and drops
 * them — and a dropped offer or candidate stalls that connection. Joining a room of several peers sends an offer
 * and a burst of ICE candidates to each at once, so the client paces itself with the same token bucket, 20 %
 * under the room's limits (clocks and network jitter differ). Heartbeats are answered by the runtime and cost
 * nothing.
 */
export const CLIENT_MESSAGE_RATE: TokenBucketConfig = {
  capacity: Math.floor(DEFAULT_MESSAGE_RATE.capacity * 0.8),
  refillPerSecond: DEFAULT_MESSAGE_RATE.refillPerSecond * 0.8,
};

/** 250 ms, 500 ms, 1 s, 2 s, 4 s, then 4 s: the first retries land well inside the 30 s grace window. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(4_000, 250 * 2 ** Math.max(0, attempt - 1));
}

export class RoomSignaling {
  #socket: WebSocket | null = null;
  #token: RoomToken | null = null;
  #heartbeat: ReturnType<typeof setInterval> | null = null;
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  #attempt = 0;
  #ended = false;
  #outbox: string[] = [];
  #bucket: TokenBucketState = fullBucket(CLIENT_MESSAGE_RATE, Date.now());
  #pumpTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #options: SignalingOptions;
  readonly #handlers: SignalingHandlers;

  constructor(options: SignalingOptions, handlers: SignalingHandlers) {
    this.#options = options;
    this.#handlers = handlers;
  }

  /** The room token in use (null before the first connect). */
  get token(): RoomToken | null {
    return this.#token;
  }

  get isOpen(): boolean {
    return this.#socket?.readyState === WebSocket.OPEN;
  }

  /** Gets a room token unless the current one is still good; `connect` does this itself when needed. */
  async prepare(): Promise<RoomToken> {
    if (!this.#token || this.#token.expiresAtMs - TOKEN_EXPIRY_MARGIN_MS <= Date.now()) {
      this.#token = await this.#options.fetchToken();
    }
    return this.#token;
  }

  async connect(): Promise<void> {
    if (this.#ended) return;
    const token = await this.prepare();
    const url = new URL(`/api/v1/rooms/${encodeURIComponent(this.#options.roomId)}/ws`, window.location.href);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('token', token.token);
    const socket = new WebSocket(url);
    this.#socket = socket;
    // Whatever was queued for the previous connection was meant for peers that are about to be renegotiated.
    this.#outbox = [];
    socket.addEventListener('open', () => {
      if (socket !== this.#socket) return;
      this.#send({ type: 'join', ...(this.#options.displayName ? { displayName: this.#options.displayName } : {}) });
      this.#startHeartbeat();
    });
    socket.addEventListener('message', (event) => {
      if (socket !== this.#socket || typeof event.data !== 'string') return;
      let message: ServerMessage;
      try {
        message = JSON.parse(event.data) as ServerMessage;
      } catch {
        return;
      }
      if (message.type === 'welcome') this.#attempt = 0;
      this.#handlers.onMessage(message);
    });
    socket.addEventListener('close', (event) => {
      if (socket !== this.#socket) return;
      this.#socket = null;
      this.#stopHeartbeat();
      this.#afterClose(event.code, event.reason);
    });
  }

  signal(to: string, data: SignalData): void {
    this.#send({ type: 'signal', to, data });
  }

  /** Gives up the seat at once (the others are told `peer-left`) and stops reconnecting. */
  leave(): void {
    if (this.#ended) return;
    // Straight onto the socket, ahead of anything still queued: nothing queued matters once the seat is given up.
    if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify({ type: 'leave' } satisfies ClientMessage));
    this.#end('left', null);
  }

  #afterClose(code: number, reason: string): void {
    if (this.#ended) return;
    if (code === ROOM_CLOSE_CODES.roomFull) {
      this.#end('room_full', reason || null);
      return;
    }
    if (code === ROOM_CLOSE_CODES.replaced) {
      this.#end('replaced', null);
      return;
    }
    if (code === ROOM_CLOSE_CODES.removed) {
      this.#end('removed', null);
      return;
    }
    const maxAttempts = this.#options.maxReconnectAttempts ?? DEFAULT_MAX_RECONNECTS;
    this.#attempt += 1;
    if (this.#attempt > maxAttempts) {
      this.#end('gave_up', null);
      return;
    }
    const delayMs = reconnectDelayMs(this.#attempt);
    this.#handlers.onReconnecting(this.#attempt, delayMs);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      this.connect().catch(() => this.#afterClose(1006, ''));
    }, delayMs);
  }

  #end(reason: SignalingEndReason, message: string | null): void {
    this.#ended = true;
    this.#stopHeartbeat();
    this.#outbox = [];
    if (this.#pumpTimer) clearTimeout(this.#pumpTimer);
    this.#pumpTimer = null;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    const socket = this.#socket;
    this.#socket = null;
    if (socket && socket.readyState <= WebSocket.OPEN) socket.close(ROOM_CLOSE_CODES.normal, reason);
    this.#handlers.onEnded(reason, message);
  }

  #send(message: ClientMessage): void {
    if (this.#socket?.readyState !== WebSocket.OPEN) return;
    this.#outbox.push(JSON.stringify(message));
    this.#pump();
  }

  /** Sends queued messages as the bucket allows; waits for the next token when it is empty. */
  #pump(): void {
    if (this.#pumpTimer) return;
    while (this.#outbox.length > 0) {
      const socket = this.#socket;
      if (socket?.readyState !== WebSocket.OPEN) {
        this.#outbox = [];
        return;
      }
      const now = Date.now();
      const taken = takeToken(CLIENT_MESSAGE_RATE, this.#bucket, now);
      this.#bucket = taken.state;
      if (!taken.allowed) {
        const waitMs = Math.ceil(((1 - taken.state.tokens) / CLIENT_MESSAGE_RATE.refillPerSecond) * 1000);
        this.#pumpTimer = setTimeout(
          () => {
            this.#pumpTimer = null;
            this.#pump();
          },
          Math.max(1, waitMs),
        );
        return;
      }
      socket.send(this.#outbox.shift() as string);
    }
  }

  #startHeartbeat(): void {
    this.#stopHeartbeat();
    this.#heartbeat = setInterval(() => {
      if (this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(PING_FRAME);
    }, this.#options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }
}
