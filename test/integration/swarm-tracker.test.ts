// The swarm tracker end to end inside workerd: WebSocket clients upgrade through the Worker's real fetch handler
// (D1 check, Durable Object, hibernatable sockets) and speak the frames a stock WebTorrent client sends.
import { createExecutionContext, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import type { SwarmTracker } from '../../src/durable-objects/swarm-tracker';
import worker from '../../src/workers/index';
import { api, BASE, markVideoReady, signUp } from './helpers';

type Frame = Record<string, any>;

const openSockets: WebSocket[] = [];
afterEach(() => {
  for (const socket of openSockets.splice(0)) {
    try {
      socket.close(1000, 'test over');
    } catch {
      // already closed by the test
    }
  }
});

async function createVideo(visibility: 'public' | 'unlisted' | 'private' = 'public', ready = true) {
  const creator = await signUp('creator');
  const response = await api('POST', '/api/v1/videos', {
    token: creator.accessToken,
    body: { title: 'Swarm test', language: 'en', visibility },
  });
  if (response.status !== 201) throw new Error(`create failed: ${JSON.stringify(response.body)}`);
  if (ready) await markVideoReady(response.body.id);
  return response.body.id as string;
}

/** One tracker client: its socket and an inbox that later frames can be awaited from. */
async function connect(videoId: string, cf: { colo?: string; country?: string } = {}, query = '') {
  const request = new Request(`${BASE}/api/v1/tracker/${videoId}${query}`, { headers: { Upgrade: 'websocket' }, cf });
  const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, env, createExecutionContext());
  expect(response.status).toBe(101);
  const socket = response.webSocket;
  if (!socket) throw new Error('no webSocket on the upgrade response');
  socket.accept();
  openSockets.push(socket);
  const inbox: Frame[] = [];
  let wake: (() => void) | null = null;
  socket.addEventListener('message', (event) => {
    inbox.push(JSON.parse(event.data as string));
    wake?.();
  });
  return {
    send(frame: unknown) {
      socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    },
    /** The first queued frame matching `predicate` (removed from the inbox), waiting up to 2 s for it. */
    async next(predicate: (frame: Frame) => boolean = () => true): Promise<Frame> {
      const deadline = Date.now() + 2_000;
      for (;;) {
        const index = inbox.findIndex(predicate);
        if (index >= 0) return inbox.splice(index, 1)[0] as Frame;
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error(`no matching frame; inbox: ${JSON.stringify(inbox)}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, remaining);
        });
      }
    },
    inbox,
    close() {
      socket.close(1000, 'done');
    },
  };
}

// Binary 20-char ids, as bittorrent-tracker clients send them.
const INFO_HASH = '\x12\x34\x00\xfe\xffinfo-hash-bin\x01';
const peerId = (name: string) => `-WW0208-${name}`.padEnd(20, '\x00');
const offer = (n: number) => ({ type: 'offer', sdp: `v=0\r\no=offer-${n}\r\n` });
const announceStarted = (peer: string, extra: Frame = {}) => ({
  action: 'announce',
  info_hash: INFO_HASH,
  peer_id: peer,
  numwant: 0,
  uploaded: 0,
  downloaded: 0,
  left: 1000,
  event: 'started',
  offers: [],
  ...extra,
});
const isAnnounceReply = (frame: Frame) => frame.action === 'announce' && 'interval' in frame;
/** A player's random report key, as p2p-player.ts makes one. */
const reportKey = () =>
  btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(18))))
    .replace(/\+/g, '-')
    .replace(/\//g, '_');

type Client = Awaited<ReturnType<typeof connect>>;

/**
 * Opens a socket with report key `key`, sends one offer that the tracker relays to `target`, and has `target`
 * answer it: the tracker has now paired the two.
 */
async function pairWith(videoId: string, target: Client, targetPeerId: string, name: string, key: string) {
  const reporter = await connect(videoId, {}, `?rk=${key}`);
  // One offer per member, so the target surely gets one whoever else is in the swarm.
  const offers = Array.from({ length: 10 }, (_, index) => ({ offer_id: `offer-${name}-${index}`, offer: offer(index) }));
  reporter.send(announceStarted(peerId(name), { numwant: offers.length, offers }));
  await reporter.next(isAnnounceReply);
  const offerId = (await target.next((frame) => String(frame.offer_id).startsWith(`offer-${name}-`))).offer_id as string;
  target.send({
    action: 'announce',
    info_hash: INFO_HASH,
    peer_id: targetPeerId,
    to_peer_id: peerId(name),
    offer_id: offerId,
    answer: { type: 'answer', sdp: 'v=0\r\n' },
  });
  await reporter.next((frame) => 'answer' in frame);
  return reporter;
}

describe('swarm tracker', () => {
  it('answers an unknown, private or unpublished video with 404 in the API error shape, before any upgrade', async () => {
    for (const videoId of ['no-such-video', await createVideo('private'), await createVideo('public', false)]) {
      const response = await api('GET', `/api/v1/tracker/${videoId}`, { headers: { Upgrade: 'websocket' } });
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('not_found');
    }
  });

  it('asks for a WebSocket when a known video is fetched without an upgrade', async () => {
    const response = await api('GET', `/api/v1/tracker/${await createVideo('unlisted')}`);
    expect(response.status).toBe(426);
    expect(response.body.error.code).toBe('upgrade_required');
  });

  it('relays an offer to another member and the answer back to the offerer', async () => {
    const videoId = await createVideo();
    const alice = await connect(videoId);
    const bob = await connect(videoId);
    alice.send(announceStarted(peerId('alice')));
    expect(await alice.next(isAnnounceReply)).toEqual({
      action: 'announce',
      interval: 120,
      info_hash: INFO_HASH,
      complete: 0,
      incomplete: 1,
    });

    const offerId = '\x00\xffbinary-offer-id\x7f';
    bob.send(announceStarted(peerId('bob'), { numwant: 1, offers: [{ offer_id: offerId, offer: offer(1) }] }));
    expect(await bob.next(isAnnounceReply)).toMatchObject({ complete: 0, incomplete: 2 });
    expect(await alice.next((frame) => 'offer' in frame)).toEqual({
      action: 'announce',
      offer: offer(1),
      offer_id: offerId,
      peer_id: peerId('bob'),
      info_hash: INFO_HASH,
    });

    const answer = { type: 'answer', sdp: 'v=0\r\no=answer\r\n' };
    alice.send({
      action: 'announce',
      info_hash: INFO_HASH,
      peer_id: peerId('alice'),
      to_peer_id: peerId('bob'),
      offer_id: offerId,
      answer,
    });
    expect(await bob.next((frame) => 'answer' in frame)).toEqual({
      action: 'announce',
      answer,
      offer_id: offerId,
      peer_id: peerId('alice'),
      info_hash: INFO_HASH,
    });
    // An answer-only announce gets no reply of its own, as with bittorrent-tracker.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(alice.inbox.filter(isAnnounceReply)).toEqual([]);
  });

  it('sends offers to members in the same colo first', async () => {
    const videoId = await createVideo();
    const faraway = await connect(videoId, { colo: 'IAD', country: 'US' });
    const neighbour = await connect(videoId, { colo: 'FRA', country: 'DE' });
    const newcomer = await connect(videoId, { colo: 'FRA', country: 'DE' });
    faraway.send(announceStarted(peerId('faraway'), { uploaded: 10_000_000 }));
    await faraway.next(isAnnounceReply);
    neighbour.send(announceStarted(peerId('neighbour')));
    await neighbour.next(isAnnounceReply);
    newcomer.send(announceStarted(peerId('newcomer'), { numwant: 1, offers: [{ offer_id: 'o1', offer: offer(1) }] }));
    expect(await neighbour.next((frame) => 'offer' in frame)).toMatchObject({ peer_id: peerId('newcomer'), offer_id: 'o1' });
    expect(faraway.inbox.filter((frame) => 'offer' in frame)).toEqual([]);
  });

  it('scrapes seeders, leechers and completed downloads; stopped removes the peer', async () => {
    const videoId = await createVideo();
    const seeder = await connect(videoId);
    const leecher = await connect(videoId);
    seeder.send(announceStarted(peerId('seeder')));
    await seeder.next(isAnnounceReply);
    seeder.send(announceStarted(peerId('seeder'), { event: 'completed', left: 0 }));
    expect(await seeder.next(isAnnounceReply)).toMatchObject({ complete: 1, incomplete: 0 });
    leecher.send(announceStarted(peerId('leecher')));
    await leecher.next(isAnnounceReply);

    leecher.send({ action: 'scrape', info_hash: INFO_HASH });
    expect(await leecher.next((frame) => frame.action === 'scrape')).toEqual({
      action: 'scrape',
      files: { [INFO_HASH]: { complete: 1, incomplete: 1, downloaded: 1 } },
    });

    seeder.send(announceStarted(peerId('seeder'), { event: 'stopped' }));
    expect(await seeder.next(isAnnounceReply)).toMatchObject({ complete: 0, incomplete: 1 });
    leecher.send({ action: 'scrape', info_hash: [INFO_HASH, 'other-hash'] });
    expect(await leecher.next((frame) => frame.action === 'scrape')).toEqual({
      action: 'scrape',
      files: { [INFO_HASH]: { complete: 0, incomplete: 1, downloaded: 1 }, 'other-hash': { complete: 0, incomplete: 0, downloaded: 0 } },
    });
  });

  it('keeps one swarm per info_hash on a shared socket and forgets a closed socket', async () => {
    const videoId = await createVideo();
    const viewer = await connect(videoId);
    const other = await connect(videoId);
    viewer.send(announceStarted(peerId('viewer'), { info_hash: 'stream-720p' }));
    await viewer.next(isAnnounceReply);
    viewer.send(announceStarted(peerId('viewer'), { info_hash: 'stream-1080p' }));
    await viewer.next(isAnnounceReply);
    other.send({ action: 'scrape' });
    expect((await other.next((frame) => frame.action === 'scrape')).files).toEqual({
      'stream-720p': { complete: 0, incomplete: 1, downloaded: 0 },
      'stream-1080p': { complete: 0, incomplete: 1, downloaded: 0 },
    });

    viewer.close();
    const tracker = env.SWARM_TRACKER.get(env.SWARM_TRACKER.idFromName(videoId));
    await expect.poll(() => tracker.swarmStats(), { timeout: 2_000 }).toEqual({});
  });

  it("rebuilds the swarms from the sockets' attachments after the object forgets its memory", async () => {
    const videoId = await createVideo();
    const alice = await connect(videoId, { colo: 'FRA', country: 'DE' });
    const bob = await connect(videoId, { colo: 'FRA', country: 'DE' });
    alice.send(announceStarted(peerId('alice'), { left: 0, uploaded: 42 }));
    await alice.next(isAnnounceReply);
    // What waking from hibernation looks like to the object: a fresh instance with only its sockets left.
    const stub = env.SWARM_TRACKER.get(env.SWARM_TRACKER.idFromName(videoId));
    await runInDurableObject(stub, (instance: SwarmTracker) => {
      const memory = instance as unknown as { membership: unknown; socketsById: Map<string, WebSocket> };
      memory.membership = null;
      memory.socketsById.clear();
    });
    bob.send(announceStarted(peerId('bob'), { numwant: 1, offers: [{ offer_id: 'o1', offer: offer(1) }] }));
    expect(await bob.next(isAnnounceReply)).toMatchObject({ complete: 1, incomplete: 1 });
    expect(await alice.next((frame) => 'offer' in frame)).toMatchObject({ peer_id: peerId('bob'), offer_id: 'o1' });
  });

  it('never matches a peer reported bad', async () => {
    const videoId = await createVideo();
    const bad = await connect(videoId);
    const good = await connect(videoId);
    const newcomer = await connect(videoId);
    bad.send(announceStarted(peerId('bad'), { uploaded: 1e9 }));
    await bad.next(isAnnounceReply);
    good.send(announceStarted(peerId('good')));
    await good.next(isAnnounceReply);
    await env.SWARM_TRACKER.get(env.SWARM_TRACKER.idFromName(videoId)).reportBadPeer(INFO_HASH, peerId('bad'));

    newcomer.send(
      announceStarted(peerId('newcomer'), {
        numwant: 2,
        offers: [
          { offer_id: 'o1', offer: offer(1) },
          { offer_id: 'o2', offer: offer(2) },
        ],
      }),
    );
    expect(await good.next((frame) => 'offer' in frame)).toMatchObject({ offer_id: 'o1' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(bad.inbox.filter((frame) => 'offer' in frame)).toEqual([]);
  });

  it('blocks a peer once two paired accounts report it, under every stream id its socket holds', async () => {
    const videoId = await createVideo();
    const bad = await connect(videoId);
    const good = await connect(videoId);
    const OTHER_HASH = 'bbbbbbbbbbbbbbbbbbbb';
    bad.send(announceStarted(peerId('bad-main'), { uploaded: 1e9 }));
    await bad.next(isAnnounceReply);
    bad.send({ ...announceStarted(peerId('bad-audio')), info_hash: OTHER_HASH });
    await bad.next(isAnnounceReply);
    good.send(announceStarted(peerId('good')));
    await good.next(isAnnounceReply);

    const [first, second] = [await signUp('viewer'), await signUp('viewer')];
    const firstKey = reportKey();
    const secondKey = reportKey();
    await pairWith(videoId, bad, peerId('bad-main'), 'r1', firstKey);
    await pairWith(videoId, bad, peerId('bad-main'), 'r2', secondKey);
    const report = (token: string, key: string) =>
      api('POST', `/api/v1/tracker/${videoId}/reports`, {
        token,
        body: { peerId: peerId('bad-main'), reportKey: key, segment: '360p/seg_00003.m4s' },
      });
    // The same account twice is one report; another account cannot use the first one's key; a second paired account blocks.
    expect((await report(first.accessToken, firstKey)).body).toEqual({ reporters: 1, blocked: false });
    expect((await report(first.accessToken, firstKey)).body).toEqual({ reporters: 1, blocked: false });
    expect((await report(second.accessToken, firstKey)).body.error.code).toBe('report_key_in_use');
    expect((await report(second.accessToken, secondKey)).body).toEqual({ reporters: 2, blocked: true });

    const newcomer = await connect(videoId);
    newcomer.send({
      ...announceStarted(peerId('newcomer')),
      info_hash: OTHER_HASH,
      numwant: 2,
      offers: [{ offer_id: 'o1', offer: offer(1) }],
    });
    await newcomer.next(isAnnounceReply);
    // One offer per member: everyone but the blocked peer gets one.
    const offers = ['o2', 'o3', 'o4', 'o5'].map((offer_id, index) => ({ offer_id, offer: offer(index) }));
    newcomer.send(announceStarted(peerId('newcomer'), { numwant: offers.length, offers }));
    expect(await good.next((frame) => String(frame.offer_id).match(/^o[2-5]$/) !== null)).toMatchObject({ peer_id: peerId('newcomer') });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(bad.inbox.filter((frame) => 'offer' in frame && /^o[1-5]$/.test(String(frame.offer_id)))).toEqual([]);
  });

  it('ignores reports from accounts the tracker never paired with the peer: the honest seeder keeps getting offers', async () => {
    const videoId = await createVideo();
    const seeder = await connect(videoId);
    seeder.send(announceStarted(peerId('seeder'), { left: 0 }));
    await seeder.next(isAnnounceReply);
    // Two fresh sign-ups, each with a report key of its own socket that joined the swarm but never met the seeder,
    // and each also trying a key no socket ever used.
    for (const name of ['mallory', 'trudy']) {
      const account = await signUp('viewer');
      const key = reportKey();
      const lurker = await connect(videoId, {}, `?rk=${key}`);
      lurker.send(announceStarted(peerId(name)));
      await lurker.next(isAnnounceReply);
      for (const tried of [key, reportKey()]) {
        const refused = await api('POST', `/api/v1/tracker/${videoId}/reports`, {
          token: account.accessToken,
          body: { peerId: peerId('seeder'), reportKey: tried },
        });
        expect(refused.status).toBe(409);
        expect(refused.body.error.code).toBe('not_paired');
      }
    }
    const newcomer = await connect(videoId);
    const offers = ['o1', 'o2', 'o3'].map((offer_id, index) => ({ offer_id, offer: offer(index) }));
    newcomer.send(announceStarted(peerId('newcomer'), { numwant: offers.length, offers }));
    expect(await seeder.next((frame) => 'offer' in frame)).toMatchObject({ peer_id: peerId('newcomer') });
  });

  it('lets a block lapse after 24 hours, and limits reports per account', async () => {
    const videoId = await createVideo();
    const bad = await connect(videoId);
    bad.send(announceStarted(peerId('bad'), { left: 0 }));
    await bad.next(isAnnounceReply);
    const keys = [reportKey(), reportKey()];
    const accounts = [await signUp('viewer'), await signUp('viewer')];
    for (const [index, key] of keys.entries()) {
      await pairWith(videoId, bad, peerId('bad'), `lapse-${index}`, key);
      const reported = await api('POST', `/api/v1/tracker/${videoId}/reports`, {
        token: accounts[index]?.accessToken,
        body: { peerId: peerId('bad'), reportKey: key },
      });
      expect(reported.status).toBe(200);
    }
    const tracker = env.SWARM_TRACKER.get(env.SWARM_TRACKER.idFromName(videoId));
    const offerFromNewcomer = async (name: string) => {
      const newcomer = await connect(videoId);
      const offers = Array.from({ length: 5 }, (_, index) => ({ offer_id: `${name}-${index}`, offer: offer(index) }));
      newcomer.send(announceStarted(peerId(name), { numwant: offers.length, offers }));
      await newcomer.next(isAnnounceReply);
      await new Promise((resolve) => setTimeout(resolve, 50));
      return bad.inbox.some((frame) => String(frame.offer_id).startsWith(`${name}-`));
    };
    expect(await offerFromNewcomer('before')).toBe(false);
    // The object's clock moves 24 hours and a minute on; the block has ended.
    await runInDurableObject(tracker, (instance: SwarmTracker) => {
      (instance as unknown as { now: () => number }).now = () => Date.now() + 24 * 3600_000 + 60_000;
    });
    expect(await offerFromNewcomer('after')).toBe(true);

    // One account, many reports: the sixth within the hour is refused before anything is looked at.
    const spammer = await signUp('viewer');
    const statuses: number[] = [];
    for (let index = 0; index < 6; index += 1) {
      const response = await api('POST', `/api/v1/tracker/${videoId}/reports`, {
        token: spammer.accessToken,
        body: { peerId: peerId('bad'), reportKey: reportKey() },
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([409, 409, 409, 409, 409, 429]);
  });

  it('takes reports only from signed-in accounts, about known videos, with a valid body', async () => {
    const videoId = await createVideo();
    const viewer = await signUp('viewer');
    const path = `/api/v1/tracker/${videoId}/reports`;
    const key = reportKey();
    expect((await api('POST', path, { body: { peerId: 'x', reportKey: key } })).status).toBe(401);
    expect((await api('POST', path, { token: viewer.accessToken, body: { peerId: '', reportKey: key } })).status).toBe(400);
    expect((await api('POST', path, { token: viewer.accessToken, body: { peerId: 'x' } })).status).toBe(400);
    expect((await api('POST', path, { token: viewer.accessToken, body: { peerId: 'x', reportKey: 'short' } })).status).toBe(400);
    expect((await api('POST', path, { token: viewer.accessToken, body: { peerId: 'x', reportKey: key, extra: 1 } })).status).toBe(400);
    const unknown = await api('POST', '/api/v1/tracker/no-such-video/reports', {
      token: viewer.accessToken,
      body: { peerId: 'x', reportKey: key },
    });
    expect(unknown.status).toBe(404);
  });

  it('answers malformed frames with a failure reason and keeps serving the socket', async () => {
    const client = await connect(await createVideo());
    client.send('{not json');
    expect(await client.next()).toEqual({ 'failure reason': 'invalid JSON' });
    client.send({ action: 'announce', info_hash: INFO_HASH });
    expect(await client.next()).toMatchObject({ 'failure reason': expect.stringContaining('peer_id'), info_hash: INFO_HASH });
    client.send({ action: 'dance' });
    expect(await client.next()).toEqual({ 'failure reason': 'unknown action' });
    client.send(announceStarted(peerId('still-here')));
    expect(await client.next(isAnnounceReply)).toMatchObject({ incomplete: 1 });
  });

  it('rate-limits a socket that floods announces', async () => {
    const client = await connect(await createVideo());
    for (let index = 0; index < 15; index += 1) client.send(announceStarted(peerId('flood')));
    expect(await client.next((frame) => 'failure reason' in frame)).toMatchObject({
      'failure reason': expect.stringContaining('slow down'),
    });
  });
  it('refuses a second socket announcing a peer_id another socket owns: offers still reach the owner, who stays after the intruder leaves', async () => {
    const videoId = await createVideo();
    const victim = await connect(videoId);
    const attacker = await connect(videoId);
    victim.send(announceStarted(peerId('victim'), { left: 0 }));
    await victim.next(isAnnounceReply);
    attacker.send(announceStarted(peerId('victim'), { left: 0 }));
    expect(await attacker.next()).toEqual({
      'failure reason': 'peer_id is in use by another connection',
      action: 'announce',
      info_hash: INFO_HASH,
    });
    // Nor can the intruder stop the owner's membership.
    attacker.send(announceStarted(peerId('victim'), { event: 'stopped' }));
    expect(await attacker.next()).toMatchObject({ 'failure reason': 'peer_id is in use by another connection' });

    const viewer = await connect(videoId);
    viewer.send(announceStarted(peerId('viewer'), { numwant: 1, offers: [{ offer_id: 'o1', offer: offer(1) }] }));
    expect(await viewer.next(isAnnounceReply)).toMatchObject({ complete: 1, incomplete: 1 });
    expect(await victim.next((frame) => 'offer' in frame)).toMatchObject({ peer_id: peerId('viewer'), offer_id: 'o1' });
    expect(attacker.inbox.filter((frame) => 'offer' in frame)).toEqual([]);

    attacker.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const tracker = env.SWARM_TRACKER.get(env.SWARM_TRACKER.idFromName(videoId));
    expect((await tracker.swarmStats())[INFO_HASH]).toMatchObject({ complete: 1, incomplete: 1 });
  });

  it('relays answers only from the socket an offer was relayed to, and only to the socket owning to_peer_id', async () => {
    const videoId = await createVideo();
    const alice = await connect(videoId);
    const bob = await connect(videoId);
    const mallory = await connect(videoId);
    alice.send(announceStarted(peerId('alice')));
    await alice.next(isAnnounceReply);
    mallory.send(announceStarted(peerId('mallory')));
    await mallory.next(isAnnounceReply);
    // Bob's offer goes to alice only.
    bob.send(announceStarted(peerId('bob'), { numwant: 1, offers: [{ offer_id: 'o1', offer: offer(1) }] }));
    await bob.next(isAnnounceReply);
    const relayed = await Promise.race([
      alice.next((frame) => frame.offer_id === 'o1').then(() => 'alice'),
      mallory.next((frame) => frame.offer_id === 'o1').then(() => 'mallory'),
    ]);
    const [receiver, other, otherId] = relayed === 'alice' ? [alice, mallory, 'mallory'] : [mallory, alice, 'alice'];
    const answer = (from: string) => ({
      action: 'announce',
      info_hash: INFO_HASH,
      peer_id: peerId(from),
      to_peer_id: peerId('bob'),
      offer_id: 'o1',
      answer: { type: 'answer', sdp: `v=0\r\no=${from}\r\n` },
    });
    // The member that never received the offer answers it, under its own id and under the receiver's: nothing reaches bob.
    other.send(answer(otherId));
    other.send(answer(relayed));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(bob.inbox.filter((frame) => 'answer' in frame)).toEqual([]);
    // The receiver's own answer goes through, once.
    receiver.send(answer(relayed));
    expect(await bob.next((frame) => 'answer' in frame)).toMatchObject({ peer_id: peerId(relayed), offer_id: 'o1' });
    receiver.send(answer(relayed));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(bob.inbox.filter((frame) => 'answer' in frame)).toEqual([]);
  });

  it('moves a peer_id only to a newer socket of the same player (the same report key), e.g. after its token was renewed', async () => {
    const videoId = await createVideo();
    const key = reportKey();
    const first = await connect(videoId, {}, `?rk=${key}`);
    first.send(announceStarted(peerId('player')));
    await first.next(isAnnounceReply);
    const stranger = await connect(videoId, {}, `?rk=${reportKey()}`);
    stranger.send(announceStarted(peerId('player')));
    expect(await stranger.next()).toMatchObject({ 'failure reason': 'peer_id is in use by another connection' });
    const second = await connect(videoId, {}, `?rk=${key}`);
    second.send(announceStarted(peerId('player')));
    expect(await second.next(isAnnounceReply)).toMatchObject({ incomplete: 1 });
    // Offers now reach the newer socket, and closing the older one leaves the player in the swarm.
    first.close();
    const viewer = await connect(videoId);
    viewer.send(announceStarted(peerId('viewer'), { numwant: 1, offers: [{ offer_id: 'o1', offer: offer(1) }] }));
    expect(await second.next((frame) => 'offer' in frame)).toMatchObject({ offer_id: 'o1' });
  });

  it('keeps a peer_id with its owner after the object wakes from hibernation', async () => {
    const videoId = await createVideo();
    const owner = await connect(videoId);
    const intruder = await connect(videoId);
    owner.send(announceStarted(peerId('owner')));
    await owner.next(isAnnounceReply);
    const stub = env.SWARM_TRACKER.get(env.SWARM_TRACKER.idFromName(videoId));
    await runInDurableObject(stub, (instance: SwarmTracker) => {
      const memory = instance as unknown as { membership: unknown; socketsById: Map<string, WebSocket> };
      memory.membership = null;
      memory.socketsById.clear();
    });
    intruder.send(announceStarted(peerId('owner')));
    expect(await intruder.next()).toMatchObject({ 'failure reason': 'peer_id is in use by another connection' });
    const viewer = await connect(videoId);
    viewer.send(announceStarted(peerId('viewer'), { numwant: 1, offers: [{ offer_id: 'o1', offer: offer(1) }] }));
    expect(await owner.next((frame) => 'offer' in frame)).toMatchObject({ offer_id: 'o1' });
  });
});
