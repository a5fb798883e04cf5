// The swarm tracker under a real `wrangler dev`, driven from Node over a real WebSocket with exactly the frames a
// stock bittorrent-tracker 11 browser client sends (lib/client/websocket-tracker.js): binary 20-char info_hash and
// peer_id, `numwant`/`uploaded`/`downloaded`/`left`/`event`/`offers` on announce, and an answer announce carrying
// `to_peer_id` + `offer_id` with no event. The announce URL is the plain ws:// URL, no headers.
// undici's WebSocket stands in for the browser's (Node 20 has no global WebSocket); it ships with wrangler.
import { WebSocket } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishPackage, syntheticPackage } from '../support/packaged-video';
import { startWranglerDev, type WranglerDev } from '../support/wrangler-dev';

type Frame = Record<string, any>;

let server: WranglerDev;
let videoId: string;

async function json(path: string, init: { method?: string; token?: string; body?: unknown } = {}) {
  const response = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

/** A random 20-byte id as a latin1 string, the way bittorrent-tracker turns its Uint8Arrays into JSON. */
function binaryId(): string {
  return String.fromCharCode(...crypto.getRandomValues(new Uint8Array(20)));
}

async function connect(url: string) {
  const socket = new WebSocket(url);
  const inbox: Frame[] = [];
  socket.addEventListener('message', (event) => inbox.push(JSON.parse(String(event.data))));
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve());
    socket.addEventListener('error', () => reject(new Error(`could not open ${url}`)));
  });
  return {
    send: (frame: Frame) => socket.send(JSON.stringify(frame)),
    async next(predicate: (frame: Frame) => boolean): Promise<Frame> {
      const deadline = Date.now() + 5_000;
      for (;;) {
        const index = inbox.findIndex(predicate);
        if (index >= 0) return inbox.splice(index, 1)[0] as Frame;
        if (Date.now() > deadline) throw new Error(`no matching frame; inbox: ${JSON.stringify(inbox)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () => socket.close(1000),
  };
}

beforeAll(async () => {
  server = await startWranglerDev();
  const email = `tracker-${Date.now()}@example.com`;
  const signup = await json('/api/v1/auth/signup', {
    method: 'POST',
    body: { email, password: 'a sturdy passphrase', displayName: 'Tracker', role: 'creator' },
  });
  expect(signup.status).toBe(201);
  const video = await json('/api/v1/videos', {
    method: 'POST',
    token: signup.body.accessToken,
    body: { title: 'Swarm', language: 'en', visibility: 'public' },
  });
  expect(video.status).toBe(201);
  videoId = video.body.id;
  await publishPackage(server.url, signup.body.accessToken, videoId, syntheticPackage());
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('swarm tracker with stock bittorrent-tracker frames', () => {
  it('introduces two clients and relays offer and answer byte for byte', async () => {
    const announceUrl = `${server.url.replace('http', 'ws')}/api/v1/tracker/${videoId}`;
    const infoHash = binaryId();
    const [seederId, leecherId] = [binaryId(), binaryId()];
    const seeder = await connect(announceUrl);
    const leecher = await connect(announceUrl);

    seeder.send({
      numwant: 0,
      uploaded: 0,
      downloaded: 0,
      left: 0,
      event: 'started',
      offers: [],
      action: 'announce',
      info_hash: infoHash,
      peer_id: seederId,
    });
    expect(await seeder.next((frame) => 'interval' in frame)).toEqual({
      action: 'announce',
      interval: 120,
      info_hash: infoHash,
      complete: 1,
      incomplete: 0,
    });

    const offerId = binaryId();
    const offer = { type: 'offer', sdp: 'v=0\r\na=ice-ufrag:x\r\n' };
    leecher.send({
      numwant: 1,
      uploaded: 0,
      downloaded: 0,
      left: null, // bittorrent-tracker sends Infinity before metadata, which JSON turns into null
      event: 'started',
      offers: [{ offer, offer_id: offerId }],
      action: 'announce',
      info_hash: infoHash,
      peer_id: leecherId,
    });
    expect(await leecher.next((frame) => 'interval' in frame)).toMatchObject({ info_hash: infoHash, complete: 1, incomplete: 1 });
    expect(await seeder.next((frame) => 'offer' in frame)).toEqual({
      action: 'announce',
      offer,
      offer_id: offerId,
      peer_id: leecherId,
      info_hash: infoHash,
    });

    const answer = { type: 'answer', sdp: 'v=0\r\na=ice-ufrag:y\r\n' };
    seeder.send({ action: 'announce', info_hash: infoHash, peer_id: seederId, to_peer_id: leecherId, answer, offer_id: offerId });
    expect(await leecher.next((frame) => 'answer' in frame)).toEqual({
      action: 'announce',
      answer,
      offer_id: offerId,
      peer_id: seederId,
      info_hash: infoHash,
    });

    leecher.send({ action: 'scrape', info_hash: [infoHash] });
    expect(await leecher.next((frame) => frame.action === 'scrape')).toEqual({
      action: 'scrape',
      files: { [infoHash]: { complete: 1, incomplete: 1, downloaded: 0 } },
    });
    seeder.close();
    leecher.close();
  });

  it('refuses the announce URL of an unknown video', async () => {
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/api/v1/tracker/no-such-video`);
    await new Promise<void>((resolve) => socket.addEventListener('error', () => resolve()));
    const response = await json('/api/v1/tracker/no-such-video');
    expect(response).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });
});

describe('the stock bittorrent-tracker client (npm), unchanged', () => {
  it('two clients announce, exchange offer and answer through the tracker, and open a WebRTC DataChannel', async () => {
    // bittorrent-tracker's Node client speaks WebRTC through simple-peer given a `wrtc` implementation; the
    // node-datachannel polyfill (libdatachannel) is one. Nothing of the client is stubbed.
    // @ts-expect-error bittorrent-tracker ships no type declarations.
    const { default: Client } = await import('bittorrent-tracker');
    const wrtc = await import('node-datachannel/polyfill');
    // bittorrent-tracker pools one WebSocket per announce URL per process; two browsers have a socket each, so
    // the two clients here get distinct URLs (a query string the route ignores) to have one each too.
    const announce = `${server.url.replace('http', 'ws')}/api/v1/tracker/${videoId}`;
    const infoHash = Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex');
    type Peer = { on(event: string, listener: (...args: any[]) => void): void; send(data: string): void; destroy(): void };
    type TrackerClient = {
      on(event: string, listener: (...args: any[]) => void): void;
      start(): void;
      destroy(callback?: () => void): void;
    };
    const make = (browser: string): TrackerClient =>
      new Client({
        infoHash,
        peerId: Buffer.from(crypto.getRandomValues(new Uint8Array(20))).toString('hex'),
        announce: [`${announce}?browser=${browser}`],
        port: 6881,
        wrtc,
        rtcConfig: { iceServers: [] },
      });
    const seeder = make('seeder');
    const leecher = make('leecher');
    const peers: Peer[] = [];
    const errors: string[] = [];
    for (const client of [seeder, leecher]) {
      client.on('error', (error: Error) => errors.push(error.message));
      client.on('warning', (error: Error) => errors.push(error.message));
    }
    try {
      const received = new Promise<string>((resolve, reject) => {
        // simple-peer without trickle waits up to 5 s for ICE gathering to complete on each side.
        const timer = setTimeout(() => reject(new Error(`no DataChannel message; tracker errors: ${errors.join('; ')}`)), 30_000);
        leecher.on('peer', (peer: Peer) => {
          peers.push(peer);
          peer.on('data', (data: Uint8Array) => {
            clearTimeout(timer);
            resolve(new TextDecoder().decode(data));
          });
        });
        seeder.on('peer', (peer: Peer) => {
          peers.push(peer);
          peer.on('connect', () => peer.send('hello through our tracker'));
        });
      });
      seeder.start();
      await new Promise((resolve) => setTimeout(resolve, 500));
      leecher.start();
      expect(await received).toBe('hello through our tracker');
      expect(errors).toEqual([]);
    } finally {
      for (const peer of peers) peer.destroy();
      await Promise.all([seeder, leecher].map((client) => new Promise<void>((resolve) => client.destroy(() => resolve()))));
    }
  }, 45_000);
});
