// Owned call rooms: each attack on the room-token and seat rules, performed against the real Worker and
// CallRoom object, and refused. (The WebSocket protocol itself is covered in call-room.test.ts.)
import { afterEach, describe, expect, it } from 'vitest';
import { ROOM_CLOSE_CODES } from '../../src/shared/room-protocol';
import { api, signUp, signUpAdmin } from './helpers';
import { closeOpenClients, connect, invitedMember, joined, newRoom, roomTokenFor, roomTokens, upgrade } from './room-helpers';

const tokenRequest = (roomId: string, accessToken: string) => api('POST', '/api/v1/tokens/room', { token: accessToken, body: { roomId } });
const joinWith = (roomId: string, accessToken: string, inviteToken?: string) =>
  api('POST', `/api/v1/rooms/${roomId}/join`, { token: accessToken, body: inviteToken ? { inviteToken } : {} });

describe('who a call room admits', () => {
  afterEach(closeOpenClients);

  it('refuses a room token to a signed-in stranger of an invite-only room, and 404s an unknown room', async () => {
    const room = await newRoom();
    const stranger = await signUp();
    const refused = await tokenRequest(room.roomId, stranger.accessToken);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({ code: 'room_forbidden', message: 'This call is invite-only. Ask the host for a link.' });
    expect(refused.body.error.details).toEqual({ reason: 'invite_only' });

    const info = await api('GET', `/api/v1/rooms/${room.roomId}`, { token: stranger.accessToken });
    expect(info.status).toBe(403);

    const unknown = await tokenRequest('no-such-room', stranger.accessToken);
    expect(unknown.status).toBe(404);
  });

  it('admits an invitee with the current link, and refuses the old link after the host rotates it', async () => {
    const room = await newRoom();
    const early = await signUp();
    expect((await joinWith(room.roomId, early.accessToken, room.inviteToken)).status).toBe(200);
    expect((await tokenRequest(room.roomId, early.accessToken)).status).toBe(201);

    const rotated = await api('POST', `/api/v1/rooms/${room.roomId}/invite`, { token: room.host.accessToken });
    expect(rotated.status).toBe(201);
    expect(rotated.body.inviteUrl).toMatch(new RegExp(`/room/${room.roomId}#invite=${rotated.body.inviteToken}$`));

    const late = await signUp();
    const withOldLink = await joinWith(room.roomId, late.accessToken, room.inviteToken);
    expect(withOldLink.status).toBe(403);
    expect(withOldLink.body.error.details).toEqual({ reason: 'invite_invalid' });
    expect((await tokenRequest(room.roomId, late.accessToken)).status).toBe(403);
    // Who joined before the rotation stays a member.
    expect((await tokenRequest(room.roomId, early.accessToken)).status).toBe(201);

    expect((await joinWith(room.roomId, late.accessToken, rotated.body.inviteToken)).status).toBe(200);
    expect((await tokenRequest(room.roomId, late.accessToken)).status).toBe(201);
  });

  it('lets nobody new into a locked room, even with the current link, while members still get in', async () => {
    const room = await newRoom();
    const member = await invitedMember(room);
    const locked = await api('PATCH', `/api/v1/rooms/${room.roomId}`, { token: room.host.accessToken, body: { locked: true } });
    expect(locked.status).toBe(200);
    expect(locked.body).toMatchObject({ locked: true, access: 'invite' });

    const newcomer = await signUp();
    const refused = await joinWith(room.roomId, newcomer.accessToken, room.inviteToken);
    expect(refused.status).toBe(403);
    expect(refused.body.error.details).toEqual({ reason: 'locked' });
    expect((await tokenRequest(room.roomId, newcomer.accessToken)).status).toBe(403);
    expect((await tokenRequest(room.roomId, member.accessToken)).status).toBe(201);
    expect((await tokenRequest(room.roomId, room.host.accessToken)).status).toBe(201);

    await api('PATCH', `/api/v1/rooms/${room.roomId}`, { token: room.host.accessToken, body: { locked: false } });
    expect((await joinWith(room.roomId, newcomer.accessToken, room.inviteToken)).status).toBe(200);
  });

  it('drops a removed member from the live call at once and refuses them afterwards, old token or new', async () => {
    const room = await newRoom();
    const [hostPeer, memberPeer] = await roomTokens(room, 2);
    const host = await joined(room.roomId, hostPeer.token, 'Host');
    const member = await joined(room.roomId, memberPeer.token, 'Mallory');
    await host.client.next('peer-joined');
    // A second token taken before the removal, still inside its lifetime.
    const spareToken = await roomTokenFor(room.roomId, memberPeer.user);

    const removed = await api('DELETE', `/api/v1/rooms/${room.roomId}/members/${memberPeer.user.user.id}`, {
      token: room.host.accessToken,
    });
    expect(removed.status).toBe(204);
    const closed = await member.client.closed;
    expect(closed.code).toBe(ROOM_CLOSE_CODES.removed);
    expect(await host.client.next('peer-left')).toEqual({ type: 'peer-left', peerId: memberPeer.peerId });

    const again = await tokenRequest(room.roomId, memberPeer.user.accessToken);
    expect(again.status).toBe(403);
    expect(again.body.error.details).toEqual({ reason: 'removed' });
    expect((await joinWith(room.roomId, memberPeer.user.accessToken, room.inviteToken)).status).toBe(403);
    const reconnect = await upgrade(`/api/v1/rooms/${room.roomId}/ws?token=${encodeURIComponent(spareToken.token)}`);
    expect(reconnect.status).toBe(403);

    expect((await api('DELETE', `/api/v1/rooms/${room.roomId}/members/usr_nobody`, { token: room.host.accessToken })).status).toBe(404);
    const members = await api('GET', `/api/v1/rooms/${room.roomId}`, { token: room.host.accessToken });
    expect(members.body.members.map((m: { userId: string }) => m.userId)).toEqual([room.host.user.id]);
  });

  it('gives one account one seat: eight sockets of the same user hold one, and a real member still joins', async () => {
    const room = await newRoom();
    const squatter = await invitedMember(room);
    const squatterSockets = [];
    for (let i = 0; i < 8; i++) {
      const peer = await roomTokenFor(room.roomId, squatter);
      squatterSockets.push(await joined(room.roomId, peer.token, `Squatter ${i}`));
    }
    // Each newer socket retired the one before it.
    for (const earlier of squatterSockets.slice(0, -1)) expect((await earlier.client.closed).code).toBe(ROOM_CLOSE_CODES.replaced);

    const legit = await roomTokenFor(room.roomId, await invitedMember(room));
    const member = await joined(room.roomId, legit.token, 'Legit');
    expect(member.welcome.type).toBe('welcome');
    expect(member.welcome.peers).toEqual([{ peerId: squatterSockets.at(-1)?.welcome.peerId, displayName: 'Squatter 7' }]);
    expect(member.client.unread().filter((message) => message.type === 'error')).toEqual([]);
  });

  it('admits any signed-in user to an open room, until the host locks it', async () => {
    const room = await newRoom();
    const opened = await api('PATCH', `/api/v1/rooms/${room.roomId}`, { token: room.host.accessToken, body: { access: 'open' } });
    expect(opened.body.access).toBe('open');
    const passerby = await signUp();
    const peer = await roomTokenFor(room.roomId, passerby);
    const { welcome } = await joined(room.roomId, peer.token);
    expect(welcome.peerId).toBe(peer.peerId);

    // The host's answer to a change lists the members as GET does, so the host page keeps its Remove buttons.
    const locked = await api('PATCH', `/api/v1/rooms/${room.roomId}`, { token: room.host.accessToken, body: { locked: true } });
    expect(locked.body.members.map((member: { userId: string }) => member.userId)).toContain(passerby.user.id);
    const lateComer = await signUp();
    expect((await tokenRequest(room.roomId, lateComer.accessToken)).status).toBe(403);
    // Who came in while it was open is a member now and may come back.
    expect((await tokenRequest(room.roomId, passerby.accessToken)).status).toBe(201);
  });

  it('keeps host controls to the host: a member cannot open, lock, rotate or remove', async () => {
    const room = await newRoom();
    const member = await invitedMember(room);
    const other = await invitedMember(room);
    const asMember = { token: member.accessToken };
    expect((await api('PATCH', `/api/v1/rooms/${room.roomId}`, { ...asMember, body: { access: 'open' } })).body.error.code).toBe(
      'not_room_host',
    );
    expect((await api('POST', `/api/v1/rooms/${room.roomId}/invite`, asMember)).status).toBe(403);
    expect((await api('DELETE', `/api/v1/rooms/${room.roomId}/members/${other.user.id}`, asMember)).status).toBe(403);
    const hostRemoval = await api('DELETE', `/api/v1/rooms/${room.roomId}/members/${room.host.user.id}`, { token: room.host.accessToken });
    expect(hostRemoval.status).toBe(400);

    // A member sees the room but not who else is in it.
    const info = await api('GET', `/api/v1/rooms/${room.roomId}`, asMember);
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ role: 'member', access: 'invite', locked: false });
    expect(info.body.members).toBeUndefined();
    const mine = await api('GET', '/api/v1/rooms', asMember);
    expect(mine.body.items.map((item: { id: string }) => item.id)).toContain(room.roomId);
  });

  it('lets an admin moderate a room without giving them a seat in it', async () => {
    const room = await newRoom();
    const admin = await signUpAdmin();
    expect((await tokenRequest(room.roomId, admin.accessToken)).status).toBe(403);
    const locked = await api('PATCH', `/api/v1/rooms/${room.roomId}`, { token: admin.accessToken, body: { locked: true } });
    expect(locked.status).toBe(200);
    expect(locked.body).toMatchObject({ locked: true, role: null });
    expect(locked.body.members).toBeUndefined();
    const info = await api('GET', `/api/v1/rooms/${room.roomId}`, { token: admin.accessToken });
    expect(info.body.members).toBeUndefined();
    expect((await api('POST', `/api/v1/rooms/${room.roomId}/invite`, { token: admin.accessToken })).status).toBe(403);
  });

  it('rejects malformed room requests with 400', async () => {
    const room = await newRoom();
    const asHost = { token: room.host.accessToken };
    expect((await api('PATCH', `/api/v1/rooms/${room.roomId}`, { ...asHost, body: {} })).status).toBe(400);
    expect((await api('PATCH', `/api/v1/rooms/${room.roomId}`, { ...asHost, body: { access: 'public' } })).status).toBe(400);
    expect((await api('POST', '/api/v1/rooms', { ...asHost, body: { title: 'x'.repeat(200) } })).status).toBe(400);
    expect((await joinWith(room.roomId, room.host.accessToken, 'bad token!')).status).toBe(400);
    const connectAnyway = await connect(room.roomId, (await roomTokenFor(room.roomId, room.host)).token);
    connectAnyway.send({ type: 'join' });
    expect((await connectAnyway.next('welcome')).peers).toEqual([]);
  });
});
