// One object per call room (idFromName(roomId)): presence and offer/answer/ICE relay between the room's peers
// over hibernatable WebSockets. The Worker has already checked the room token and forwards the upgrade with
// the peer's identity in headers; this object is reachable only through that route.
//
// Hibernation: the object keeps no state that matters in memory. Each socket carries its peer's identity in
// its attachment (serializeAttachment survives eviction), peers that dropped within the grace window are rows
// in the object's SQLite storage, and the roster is rebuilt from those two on every event. Pings are answered
// by the runtime (setWebSocketAutoResponse) so an idle call with heartbeats never wakes the object.
//
// One seat per user: a room token names a fresh peer id each time, so without this one account could fill
// every seat with tokens of its own. When a user's new connection joins, their older connection (another tab,
// a reload the server has not noticed yet) is closed with `replaced` and its seat handed over; a grace seat
// they left behind is released. Who may hold a token at all is decided in D1 before the upgrade
// (app/rooms/issue-room-token.ts); the one thing the object itself remembers is whom the host removed, so a
// token issued before the removal cannot bring them back for the rest of its lifetime.
import { admit, DEFAULT_ROOM_LIMITS, type DepartedPeer, type RoomLimits, withinGrace } from '../domain/rooms/membership';
import { DEFAULT_MESSAGE_RATE } from '../domain/rooms/rate-limiter';
import { fullBucket, type TokenBucketState, takeToken } from '../domain/token-bucket';
import type { Env } from '../env';
import {
  type ClientMessage,
  type PeerInfo,
  PING_FRAME,
  PONG_FRAME,
  parseClientMessage,
  ROOM_CLOSE_CODES,
  type RoomErrorCode,
  type ServerMessage,
} from '../shared/room-protocol';
import { HealthCheckedObject } from './health';

/** Headers the Worker sets on the forwarded upgrade after verifying the room token. */
export const ROOM_IDENTITY_HEADERS = { roomId: 'X-Room-Id', peerId: 'X-Room-Peer-Id', userId: 'X-Room-User-Id' } as const;

export const ICE_SERVERS_PATH = '/api/v1/ice-servers';

/** What each socket remembers across hibernation. */
interface PeerAttachment {
  roomId: string;
  peerId: string;
  userId: string;
  displayName?: string;
  /** Set once the peer sent `join` and was admitted; cleared when it leaves or is replaced. */
  joined: boolean;
}

export class CallRoom extends HealthCheckedObject {
  protected readonly kind = 'CallRoom';
  private readonly limits: RoomLimits = DEFAULT_ROOM_LIMITS;
  // Rate-limit buckets live in memory only: the object hibernates only after a quiet spell longer than a
  // bucket takes to refill, so a bucket lost to eviction would have been full anyway.
  private readonly buckets = new Map<WebSocket, TokenBucketState>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
    // departed_seats replaced departed_peers (which had no user id); rows there expired within seconds.
    ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS departed_seats (peer_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, display_name TEXT, left_at_ms INTEGER NOT NULL)',
    );
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS removed_users (user_id TEXT PRIMARY KEY, removed_at_ms INTEGER NOT NULL)');
  }

  /**
   * The host removed `userId` (RPC from app/rooms/remove-member.ts): close their sockets now, release their
   * seat, tell the others they left, and refuse their upgrades from here on.
   */
  async removeUser(userId: string): Promise<void> {
    this.ctx.storage.sql.exec('INSERT OR REPLACE INTO removed_users (user_id, removed_at_ms) VALUES (?, ?)', userId, Date.now());
    this.ctx.storage.sql.exec('DELETE FROM departed_seats WHERE user_id = ?', userId);
    for (const socket of this.ctx.getWebSockets()) {
      const attachment = socket.deserializeAttachment() as PeerAttachment | null;
      if (attachment?.userId !== userId) continue;
      this.retire(socket, attachment, ROOM_CLOSE_CODES.removed, 'removed by the host');
    }
  }

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
      return new Response('Expected a WebSocket upgrade', { status: 426 });
    }
    const roomId = request.headers.get(ROOM_IDENTITY_HEADERS.roomId);
    const peerId = request.headers.get(ROOM_IDENTITY_HEADERS.peerId);
    const userId = request.headers.get(ROOM_IDENTITY_HEADERS.userId);
    if (!roomId || !peerId || !userId) return new Response('Missing room identity', { status: 400 });
    if (this.isRemoved(userId)) return new Response('Removed from this room', { status: 403 });

    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    // The tag lets the object find a peer's sockets without reading every attachment.
    this.ctx.acceptWebSocket(server, [peerId]);
    const attachment: PeerAttachment = { roomId, peerId, userId, joined: false };
    server.serializeAttachment(attachment);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, frame: string | ArrayBuffer): Promise<void> {
    const peer = ws.deserializeAttachment() as PeerAttachment | null;
    if (!peer) return;
    const now = Date.now();
    const bucket = takeToken(DEFAULT_MESSAGE_RATE, this.buckets.get(ws) ?? fullBucket(DEFAULT_MESSAGE_RATE, now), now);
    this.buckets.set(ws, bucket.state);
    if (!bucket.allowed) {
      this.sendError(ws, 'rate_limited', `Slow down: at most ${DEFAULT_MESSAGE_RATE.refillPerSecond} messages per second`);
      return;
    }
    if (typeof frame !== 'string') {
      this.sendError(ws, 'bad_message', 'Messages must be JSON text frames');
      return;
    }
    const parsed = parseClientMessage(frame);
    if (!parsed.ok) {
      this.sendError(ws, parsed.code, parsed.message);
      return;
    }
    this.handle(ws, peer, parsed.message, now);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.dropConnection(ws);
    // Complete the closing handshake; 1005/1006 are reserved and cannot be sent, so answer those with 1000.
    try {
      ws.close(code === 1005 || code === 1006 ? ROOM_CLOSE_CODES.normal : code, reason);
    } catch {
      // already closed
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.dropConnection(ws);
  }

  private handle(ws: WebSocket, peer: PeerAttachment, message: ClientMessage, now: number) {
    switch (message.type) {
      case 'ping':
        this.send(ws, { type: 'pong' });
        return;
      case 'join':
        this.join(ws, peer, message.displayName, now);
        return;
      case 'signal': {
        if (!peer.joined) return this.sendError(ws, 'not_joined', 'Send join before signaling');
        const target = this.joinedSocketOf(message.to);
        if (!target || message.to === peer.peerId) {
          return this.sendError(ws, 'unknown_peer', `No peer ${message.to} in this room`);
        }
        this.send(target, { type: 'signal', from: peer.peerId, data: message.data });
        return;
      }
      case 'leave': {
        if (peer.joined) {
          // A deliberate leave gives up the seat at once: no grace window to hold it for.
          this.save(ws, { ...peer, joined: false });
          this.forgetDeparted(peer.peerId);
          this.broadcast({ type: 'peer-left', peerId: peer.peerId }, ws);
        }
        this.buckets.delete(ws);
        ws.close(ROOM_CLOSE_CODES.normal, 'left');
        return;
      }
    }
  }

  private join(ws: WebSocket, peer: PeerAttachment, displayName: string | undefined, now: number) {
    if (peer.joined) return this.sendError(ws, 'already_joined', 'This connection has already joined');
    // One seat per user: the user's other connections give theirs up before the seat count is taken.
    for (const { socket, attachment } of this.joinedPeers()) {
      if (attachment.userId !== peer.userId || attachment.peerId === peer.peerId) continue;
      this.retire(socket, attachment, ROOM_CLOSE_CODES.replaced, 'replaced: you joined this call from another tab or device');
    }
    this.ctx.storage.sql.exec('DELETE FROM departed_seats WHERE user_id = ? AND peer_id != ?', peer.userId, peer.peerId);
    const connected = new Set(this.joinedPeers().map(({ attachment }) => attachment.peerId));
    const decision = admit({ connected, departed: this.departed() }, peer.peerId, now, this.limits);
    if (!decision.admitted) {
      this.sendError(
        ws,
        'room_full',
        `This room holds at most ${this.limits.maxPeers} peers in a mesh call; ` +
          `join through the SFU instead: POST /api/v1/rooms/${peer.roomId}/sfu/sessions`,
      );
      ws.close(ROOM_CLOSE_CODES.roomFull, 'room full');
      return;
    }
    if (decision.replacesConnection) {
      for (const { socket, attachment } of this.joinedPeers()) {
        if (attachment.peerId !== peer.peerId || socket === ws) continue;
        this.save(socket, { ...attachment, joined: false });
        this.buckets.delete(socket);
        socket.close(ROOM_CLOSE_CODES.replaced, 'replaced: a newer connection of yours joined');
      }
    }
    const name = displayName ?? decision.resumedFrom?.displayName;
    const joined: PeerAttachment = { ...peer, joined: true, ...(name ? { displayName: name } : {}) };
    this.save(ws, joined);
    this.forgetDeparted(peer.peerId);
    const peers: PeerInfo[] = this.joinedPeers()
      .filter(({ socket }) => socket !== ws)
      .map(({ attachment }) => peerInfo(attachment));
    this.send(ws, { type: 'welcome', peerId: peer.peerId, peers, iceServersUrl: ICE_SERVERS_PATH, resumed: decision.resumedFrom !== null });
    if (decision.announce) this.broadcast({ type: 'peer-joined', peer: peerInfo(joined) }, ws);
  }

  /** A connection ended without `leave`: announce it and hold the seat for the grace window. */
  private dropConnection(ws: WebSocket) {
    this.buckets.delete(ws);
    const peer = ws.deserializeAttachment() as PeerAttachment | null;
    if (!peer?.joined) return;
    this.save(ws, { ...peer, joined: false });
    this.ctx.storage.sql.exec(
      'INSERT OR REPLACE INTO departed_seats (peer_id, user_id, display_name, left_at_ms) VALUES (?, ?, ?, ?)',
      peer.peerId,
      peer.userId,
      peer.displayName ?? null,
      Date.now(),
    );
    this.broadcast({ type: 'peer-left', peerId: peer.peerId }, ws);
  }

  private departed(): DepartedPeer[] {
    const rows = this.ctx.storage.sql
      .exec<{ peer_id: string; display_name: string | null; left_at_ms: number }>(
        'SELECT peer_id, display_name, left_at_ms FROM departed_seats',
      )
      .toArray();
    const all = rows.map((row) => ({
      peerId: row.peer_id,
      leftAtMs: row.left_at_ms,
      ...(row.display_name ? { displayName: row.display_name } : {}),
    }));
    // Housekeeping on read: seats whose grace window has passed are released for good.
    const live = withinGrace(all, Date.now(), this.limits);
    if (live.length !== all.length) {
      this.ctx.storage.sql.exec('DELETE FROM departed_seats WHERE left_at_ms <= ?', Date.now() - this.limits.reconnectGraceMs);
    }
    return live;
  }

  private forgetDeparted(peerId: string) {
    this.ctx.storage.sql.exec('DELETE FROM departed_seats WHERE peer_id = ?', peerId);
  }

  private isRemoved(userId: string): boolean {
    return this.ctx.storage.sql.exec('SELECT 1 FROM removed_users WHERE user_id = ?', userId).toArray().length > 0;
  }

  /** Ends a connection on the room's initiative: its seat is freed at once (no grace) and the others told. */
  private retire(socket: WebSocket, attachment: PeerAttachment, code: number, reason: string) {
    if (attachment.joined) {
      this.save(socket, { ...attachment, joined: false });
      this.forgetDeparted(attachment.peerId);
      this.broadcast({ type: 'peer-left', peerId: attachment.peerId }, socket);
    }
    this.buckets.delete(socket);
    try {
      socket.close(code, reason);
    } catch {
      // already closed
    }
  }

  private joinedPeers(): { socket: WebSocket; attachment: PeerAttachment }[] {
    const result: { socket: WebSocket; attachment: PeerAttachment }[] = [];
    for (const socket of this.ctx.getWebSockets()) {
      const attachment = socket.deserializeAttachment() as PeerAttachment | null;
      if (attachment?.joined) result.push({ socket, attachment });
    }
    return result;
  }

  private joinedSocketOf(peerId: string): WebSocket | undefined {
    return this.ctx.getWebSockets(peerId).find((socket) => (socket.deserializeAttachment() as PeerAttachment | null)?.joined === true);
  }

  private save(ws: WebSocket, attachment: PeerAttachment) {
    ws.serializeAttachment(attachment);
  }

  private broadcast(message: ServerMessage, except: WebSocket) {
    for (const { socket } of this.joinedPeers()) {
      if (socket !== except) this.send(socket, message);
    }
  }

  private sendError(ws: WebSocket, code: RoomErrorCode, message: string) {
    this.send(ws, { type: 'error', code, message });
  }

  private send(ws: WebSocket, message: ServerMessage) {
    try {
      ws.send(JSON.stringify(message));
    } catch {
      // The socket is closing; its close handler does the bookkeeping.
    }
  }
}

function peerInfo(attachment: PeerAttachment): PeerInfo {
  return { peerId: attachment.peerId, ...(attachment.displayName ? { displayName: attachment.displayName } : {}) };
}
