// Call-room test helpers: owned rooms made through the API, members who joined with the invite link, and a
// WebSocket client that reads the room's messages in order.
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import type { ServerMessage } from '../../src/shared/room-protocol';
import worker from '../../src/workers/index';
import { api, BASE, signUp } from './helpers';

type MessageOf<T extends ServerMessage['type']> = Extract<ServerMessage, { type: T }>;

export const openClients: RoomClient[] = [];

export class RoomClient {
  private readonly inbox: ServerMessage[] = [];
  private readonly waiters: (() => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly socket: WebSocket) {
    socket.accept();
    openClients.push(this);
    socket.addEventListener('message', (event) => {
      this.inbox.push(JSON.parse(event.data as string) as ServerMessage);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) =>
      socket.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason })),
    );
  }

  send(message: unknown) {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first unread message of this type (earlier messages of other types stay unread). */
  async next<T extends ServerMessage['type']>(type: T, timeoutMs = 3_000): Promise<MessageOf<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.inbox.findIndex((message) => message.type === type);
      if (index >= 0) return this.inbox.splice(index, 1)[0] as MessageOf<T>;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no ${type} message within ${timeoutMs} ms; inbox: ${JSON.stringify(this.inbox)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  unread(): ServerMessage[] {
    return [...this.inbox];
  }
}

export async function upgrade(path: string, headers: Record<string, string> = { Upgrade: 'websocket' }) {
  const request = new Request(`${BASE}${path}`, { headers });
  return worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, env, createExecutionContext());
}

export async function connect(roomId: string, token: string): Promise<RoomClient> {
  const response = await upgrade(`/api/v1/rooms/${roomId}/ws?token=${encodeURIComponent(token)}`);
  expect(response.status).toBe(101);
  if (!response.webSocket) throw new Error('no WebSocket on the upgrade response');
  return new RoomClient(response.webSocket);
}

export type SignedUp = Awaited<ReturnType<typeof signUp>>;

export interface TestRoom {
  roomId: string;
  host: SignedUp;
  inviteToken: string;
}

/** A fresh user hosting a fresh (invite-only) room. */
export async function newRoom(): Promise<TestRoom> {
  const host = await signUp();
  const created = await api('POST', '/api/v1/rooms', { token: host.accessToken, body: {} });
  expect(created.status).toBe(201);
  return { roomId: created.body.room.id, host, inviteToken: created.body.inviteToken };
}

export interface RoomPeer {
  token: string;
  peerId: string;
  user: SignedUp;
}

/** A room token for `user` (who must be admitted). */
export async function roomTokenFor(roomId: string, user: SignedUp): Promise<RoomPeer> {
  const issued = await api('POST', '/api/v1/tokens/room', { token: user.accessToken, body: { roomId } });
  expect(issued.status, JSON.stringify(issued.body)).toBe(201);
  return { token: issued.body.token, peerId: issued.body.peerId, user };
}

/** A new user who joins through the invite link. */
export async function invitedMember(room: TestRoom): Promise<SignedUp> {
  const user = await signUp();
  const joinedRoom = await api('POST', `/api/v1/rooms/${room.roomId}/join`, {
    token: user.accessToken,
    body: { inviteToken: room.inviteToken },
  });
  expect(joinedRoom.status, JSON.stringify(joinedRoom.body)).toBe(200);
  return user;
}

/** Tokens for `count` different people in the room: the host first, then members invited by link. */
export async function roomTokens(room: TestRoom, count: 1): Promise<[RoomPeer]>;
export async function roomTokens(room: TestRoom, count: 2): Promise<[RoomPeer, RoomPeer]>;
export async function roomTokens(room: TestRoom, count: number): Promise<RoomPeer[]>;
export async function roomTokens(room: TestRoom, count: number): Promise<RoomPeer[]> {
  const peers: RoomPeer[] = [];
  for (let i = 0; i < count; i++) {
    const user = i === 0 ? room.host : await invitedMember(room);
    peers.push(await roomTokenFor(room.roomId, user));
  }
  return peers;
}

export async function joined(roomId: string, token: string, displayName?: string) {
  const client = await connect(roomId, token);
  client.send(displayName ? { type: 'join', displayName } : { type: 'join' });
  const welcome = await client.next('welcome');
  return { client, welcome };
}

/** Closes every client a test opened. */
export function closeOpenClients() {
  for (const client of openClients.splice(0)) {
    if (client.socket.readyState === WebSocket.OPEN) client.socket.close(1000, 'test over');
  }
}
