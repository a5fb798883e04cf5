// Call rooms end to end: WebSocket upgrades through the Worker's fetch handler into the CallRoom object.
// Who may get a room token at all is covered in room-access.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { ROOM_CLOSE_CODES } from '../../src/shared/room-protocol';
import { api } from './helpers';
import { closeOpenClients, connect, joined, newRoom, roomTokens, upgrade } from './room-helpers';

describe('call room WebSocket', () => {
  afterEach(closeOpenClients);

  it('shows two peers to each other and relays offer, answer and ICE candidates by peer id', async () => {
    const room = await newRoom();
    const { roomId } = room;
    const [ada, bob] = await roomTokens(room, 2);
    const a = await joined(roomId, ada.token, 'Ada');
    expect(a.welcome).toMatchObject({ peerId: ada.peerId, peers: [], iceServersUrl: '/api/v1/ice-servers', resumed: false });

    const b = await joined(roomId, bob.token, 'Bob');
    expect(b.welcome.peers).toEqual([{ peerId: ada.peerId, displayName: 'Ada' }]);
    expect(await a.client.next('peer-joined')).toEqual({ type: 'peer-joined', peer: { peerId: bob.peerId, displayName: 'Bob' } });

    const offer = { sdp: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' } };
    a.client.send({ type: 'signal', to: bob.peerId, data: offer });
    expect(await b.client.next('signal')).toEqual({ type: 'signal', from: ada.peerId, data: offer });

    const answer = { sdp: { type: 'answer', sdp: 'v=0\r\n' } };
    b.client.send({ type: 'signal', to: ada.peerId, data: answer });
    expect(await a.client.next('signal')).toEqual({ type: 'signal', from: bob.peerId, data: answer });

    const candidate = { candidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 } };
    a.client.send({ type: 'signal', to: bob.peerId, data: candidate });
    expect(await b.client.next('signal')).toEqual({ type: 'signal', from: ada.peerId, data: candidate });

    a.client.send({ type: 'signal', to: 'peer_nobody', data: candidate });
    expect(await a.client.next('error')).toMatchObject({ code: 'unknown_peer' });
  });

  it('announces peer-left when a peer leaves, and closes its socket normally', async () => {
    const room = await newRoom();
    const { roomId } = room;
    const [ada, bob] = await roomTokens(room, 2);
    const a = await joined(roomId, ada.token);
    const b = await joined(roomId, bob.token);
    await a.client.next('peer-joined');
    b.client.send({ type: 'leave' });
    expect(await a.client.next('peer-left')).toEqual({ type: 'peer-left', peerId: bob.peerId });
    expect((await b.client.closed).code).toBe(ROOM_CLOSE_CODES.normal);
  });

  it('keeps the identity of a peer that reconnects within the grace window', async () => {
    const room = await newRoom();
    const { roomId } = room;
    const [ada, bob] = await roomTokens(room, 2);
    const a = await joined(roomId, ada.token);
    const b = await joined(roomId, bob.token, 'Bob');
    await a.client.next('peer-joined');

    // The connection drops without a leave: others see peer-left, then peer-joined again on return.
    b.client.socket.close(1000, 'network change');
    expect(await a.client.next('peer-left')).toEqual({ type: 'peer-left', peerId: bob.peerId });
    const again = await joined(roomId, bob.token);
    expect(again.welcome).toMatchObject({ peerId: bob.peerId, resumed: true });
    expect(await a.client.next('peer-joined')).toEqual({ type: 'peer-joined', peer: { peerId: bob.peerId, displayName: 'Bob' } });

    // A second connection while the first is alive replaces it without telling anyone.
    const third = await joined(roomId, bob.token);
    expect(third.welcome).toMatchObject({ peerId: bob.peerId, peers: [{ peerId: ada.peerId }] });
    expect((await again.client.closed).code).toBe(ROOM_CLOSE_CODES.replaced);
    a.client.send({ type: 'signal', to: bob.peerId, data: { candidate: null } });
    expect(await third.client.next('signal')).toMatchObject({ from: ada.peerId });
    expect(a.client.unread().filter((message) => message.type === 'peer-joined' || message.type === 'peer-left')).toEqual([]);
  });

  it('turns away a peer above the mesh limit with room_full and points to the SFU', async () => {
    const room = await newRoom();
    const { roomId } = room;
    const [ninthPeer, ...seated] = await roomTokens(room, 9);
    for (const peer of seated) await joined(roomId, peer.token);
    if (!ninthPeer) throw new Error('no token');
    const ninth = await connect(roomId, ninthPeer.token);
    ninth.send({ type: 'join' });
    const error = await ninth.next('error');
    expect(error.code).toBe('room_full');
    expect(error.message).toContain(`/api/v1/rooms/${roomId}/sfu/sessions`);
    expect((await ninth.closed).code).toBe(ROOM_CLOSE_CODES.roomFull);
  });

  it('answers a malformed message with an error and keeps the socket open', async () => {
    const room = await newRoom();
    const { roomId } = room;
    const [ada] = await roomTokens(room, 1);
    const client = await connect(roomId, ada.token);
    client.send({ type: 'signal', to: 'peer_x', data: { candidate: null } });
    expect(await client.next('error')).toMatchObject({ code: 'not_joined' });
    client.send('not json');
    expect(await client.next('error')).toMatchObject({ code: 'bad_message' });
    client.send({ type: 'join', displayName: 42 });
    expect(await client.next('error')).toMatchObject({ code: 'bad_message' });
    client.send({ type: 'ping' });
    expect(await client.next('pong')).toEqual({ type: 'pong' });
    client.send({ type: 'join' });
    expect(await client.next('welcome')).toMatchObject({ peerId: ada.peerId });
  });

  it('rate-limits a connection that floods the room', async () => {
    const room = await newRoom();
    const { roomId } = room;
    const [ada] = await roomTokens(room, 1);
    const { client } = await joined(roomId, ada.token);
    // Spaced JSON is not the exact auto-response text, so every one of these reaches the object.
    for (let i = 0; i < 80; i++) client.send('{ "type": "ping" }');
    expect(await client.next('error')).toMatchObject({ code: 'rate_limited' });
  });

  it('refuses upgrades without a token, with another room’s token, or without Upgrade', async () => {
    const room = await newRoom();
    const { roomId } = room;
    const [ada] = await roomTokens(room, 1);

    const missing = await upgrade(`/api/v1/rooms/${roomId}/ws`);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');

    const wrongRoom = await upgrade(`/api/v1/rooms/someone-elses-room/ws?token=${ada.token}`);
    expect(wrongRoom.status).toBe(403);
    expect(((await wrongRoom.json()) as { error: { code: string } }).error.code).toBe('room_mismatch');

    const garbage = await upgrade(`/api/v1/rooms/${roomId}/ws?token=not-a-token`);
    expect(garbage.status).toBe(401);

    const plain = await api('GET', `/api/v1/rooms/${roomId}/ws?token=${ada.token}`);
    expect(plain.status).toBe(426);
    expect(plain.body.error.code).toBe('upgrade_required');
  });
});
