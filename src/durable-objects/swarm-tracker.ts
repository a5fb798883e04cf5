// One object per video (`idFromName(videoId)`): the WebTorrent tracker that introduces viewers of that video to
// each other so they can exchange HLS segments over WebRTC. The object never sees media; it only relays the
// SDP offers and answers peers need to open data channels, the same job bittorrent-tracker's WebSocket server does.
//
// Sharding: the announce URL names the video, and clients pool one socket per announce URL, so every socket
// here belongs to this video. The protocol still lets a socket announce several info_hashes (p2p-media-loader uses
// one per stream/variant), so the object keeps one swarm per info_hash and a socket may sit in several.
//
// Hibernation: sockets are accepted with `ctx.acceptWebSocket`, so an idle swarm costs nothing and the object may
// be evicted between announces. Everything needed to rebuild the swarms — which info_hashes a socket joined, under
// which peer_id, seeder status, upload history, colo/country, its rate-limit bucket — rides in the socket's
// attachment (`serializeAttachment`, ≤ 2 KB, hence the cap on swarms per socket). On waking, the constructor
// runs again and the membership index is rebuilt lazily from `ctx.getWebSockets()`.
// No `setWebSocketAutoResponse`: the tracker protocol has no application-level ping (stock clients only
// re-announce every `interval`), and WebSocket control pings are answered by the runtime itself.
//
// Durable state in SQLite: the per-swarm `downloaded` counter (scrape) and the block list fed by
// `reportBadPeer`, both small and both expected to outlive every socket.
import { selectOfferRecipients } from '../domain/swarm/matching';
import { isCompleteAfter, type SwarmMember, SwarmRegistry } from '../domain/swarm/membership';
import { MAX_REPORTS_PER_PEER, shouldBlock } from '../domain/swarm/peer-reports';
import {
  type AnnounceRequest,
  announceResponse,
  failure,
  parseTrackerMessage,
  relayedAnswer,
  relayedOffer,
  type ScrapeRequest,
  scrapeResponse,
} from '../domain/swarm/protocol';
import { ANNOUNCE_RATE_LIMIT, fullBucket, type TokenBucketState, takeToken } from '../domain/swarm/rate-limit';
import type { Env } from '../workers/env';
import { HealthCheckedObject } from './health';

/** Headers the Worker sets (from `request.cf`) when it forwards the upgrade; a client cannot supply them. */
export const SWARM_COLO_HEADER = 'X-Swarm-Colo';
export const SWARM_COUNTRY_HEADER = 'X-Swarm-Country';

/** Swarms one socket may join: keeps the attachment well under its 2 KB limit with 64-char ids. */
export const MAX_SWARMS_PER_SOCKET = 8;

interface JoinedSwarm {
  infoHash: string;
  peerId: string;
  complete: boolean;
  uploadedBytes: number;
}

/** What survives hibernation for one socket. */
interface PeerAttachment {
  connectionId: string;
  colo: string | null;
  country: string | null;
  joinedAtMs: number;
  swarms: JoinedSwarm[];
  bucket: TokenBucketState;
}

export class SwarmTracker extends HealthCheckedObject {
  protected readonly kind = 'SwarmTracker';

  private membership: SwarmRegistry | null = null;
  private readonly socketsById = new Map<string, WebSocket>();
  private readonly blocked = new Set<string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    // Ids may hold any code unit (binary peer ids), so storage keys are their hex code units.
    sql.exec('CREATE TABLE IF NOT EXISTS blocked_peers (info_hash TEXT NOT NULL, peer_id TEXT NOT NULL, PRIMARY KEY (info_hash, peer_id))');
    sql.exec('CREATE TABLE IF NOT EXISTS peer_reports (peer_id TEXT NOT NULL, reporter TEXT NOT NULL, PRIMARY KEY (peer_id, reporter))');
    sql.exec('CREATE TABLE IF NOT EXISTS swarm_downloads (info_hash TEXT PRIMARY KEY, downloaded INTEGER NOT NULL)');
    for (const row of sql.exec<{ info_hash: string; peer_id: string }>('SELECT info_hash, peer_id FROM blocked_peers')) {
      this.blocked.add(blockKey(fromStorageKey(row.info_hash), fromStorageKey(row.peer_id)));
    }
  }

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get('Upgrade')?.toLowerCase() !== 'websocket') {
      return new Response('Expected a WebSocket upgrade', { status: 426, headers: { Upgrade: 'websocket' } });
    }
    // Build the index before accepting, so the new socket is registered exactly once.
    this.swarms();
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    const attachment: PeerAttachment = {
      connectionId: crypto.randomUUID(),
      colo: request.headers.get(SWARM_COLO_HEADER) || null,
      country: request.headers.get(SWARM_COUNTRY_HEADER) || null,
      joinedAtMs: Date.now(),
      swarms: [],
      bucket: fullBucket(ANNOUNCE_RATE_LIMIT, Date.now()),
    };
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment(attachment);
    this.socketsById.set(attachment.connectionId, server);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const attachment = ws.deserializeAttachment() as PeerAttachment;
    const parsed = parseTrackerMessage(message);
    const limited = takeToken(ANNOUNCE_RATE_LIMIT, attachment.bucket, Date.now());
    attachment.bucket = limited.state;
    if (!limited.allowed) {
      ws.serializeAttachment(attachment);
      send(
        ws,
        failure(
          'too many messages; slow down',
          parsed.ok && parsed.request.action === 'announce' ? { action: 'announce', infoHash: parsed.request.info_hash } : {},
        ),
      );
      return;
    }
    if (!parsed.ok) {
      ws.serializeAttachment(attachment);
      send(ws, failure(parsed.reason, { infoHash: parsed.infoHash }));
      return;
    }
    if (parsed.request.action === 'scrape') {
      ws.serializeAttachment(attachment);
      send(ws, this.scrape(parsed.request));
      return;
    }
    this.announce(ws, attachment, parsed.request);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.forget(ws);
    try {
      ws.close(code, reason);
    } catch {
      // Already closed by the runtime's automatic close reply.
    }
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.forget(ws);
  }

  /**
   * Marks a peer as bad in one swarm (RPC; reportPeer calls it once viewers agree a peer served data that fails
   * its hash). A blocked peer is never matched again, in either direction, and the mark is durable.
   */
  async reportBadPeer(infoHash: string, peerId: string): Promise<void> {
    this.ctx.storage.sql.exec(
      'INSERT OR IGNORE INTO blocked_peers (info_hash, peer_id) VALUES (?, ?)',
      toStorageKey(infoHash),
      toStorageKey(peerId),
    );
    this.blocked.add(blockKey(infoHash, peerId));
  }

  /**
   * A viewer's report that `peerId` served a segment failing its hash (RPC; POST /tracker/{videoId}/reports).
   * Once enough distinct accounts agree (domain/swarm/peer-reports.ts), every peer id the offending socket holds
   * is blocked in every swarm it joined, so it cannot come back under its other stream's id.
   */
  async reportPeer(peerId: string, reporter: string): Promise<{ reporters: number; blocked: boolean }> {
    const sql = this.ctx.storage.sql;
    const key = toStorageKey(peerId);
    const counted = () => sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM peer_reports WHERE peer_id = ?', key).toArray()[0]?.n ?? 0;
    if (counted() < MAX_REPORTS_PER_PEER) {
      sql.exec('INSERT OR IGNORE INTO peer_reports (peer_id, reporter) VALUES (?, ?)', key, reporter);
    }
    const reporters = counted();
    if (!shouldBlock(reporters)) return { reporters, blocked: false };
    const swarms = this.swarms();
    const offenders = new Set<string>();
    for (const infoHash of swarms.infoHashes()) {
      const member = swarms.member(infoHash, peerId);
      if (member) offenders.add(member.connectionId);
    }
    const identities: { infoHash: string; peerId: string }[] = [];
    for (const connectionId of offenders) {
      const attachment = this.socketsById.get(connectionId)?.deserializeAttachment() as PeerAttachment | null | undefined;
      for (const joined of attachment?.swarms ?? []) identities.push({ infoHash: joined.infoHash, peerId: joined.peerId });
    }
    // Not connected right now: block the reported id in every swarm it could rejoin.
    if (identities.length === 0) for (const infoHash of swarms.infoHashes()) identities.push({ infoHash, peerId });
    for (const identity of identities) await this.reportBadPeer(identity.infoHash, identity.peerId);
    return { reporters, blocked: true };
  }

  /** Member and seeder counts per swarm (RPC; for dashboards and tests). */
  async swarmStats(): Promise<Record<string, { complete: number; incomplete: number; downloaded: number }>> {
    return this.scrape({ action: 'scrape', infoHashes: null }).files;
  }

  private announce(ws: WebSocket, attachment: PeerAttachment, request: AnnounceRequest): void {
    const infoHash = request.info_hash;
    const peerId = request.peer_id;
    const swarms = this.swarms();
    let joined = attachment.swarms.find((entry) => entry.infoHash === infoHash);
    if (!joined && request.event !== 'stopped' && attachment.swarms.length >= MAX_SWARMS_PER_SOCKET) {
      ws.serializeAttachment(attachment);
      send(ws, failure(`a socket may join at most ${MAX_SWARMS_PER_SOCKET} swarms`, { action: 'announce', infoHash }));
      return;
    }
    const wasComplete = joined?.complete ?? false;
    const complete = isCompleteAfter(wasComplete, request.event, request.left);
    const uploadedBytes = Math.max(joined?.uploadedBytes ?? 0, request.uploaded ?? 0);
    // A socket that re-announces under a new peer_id leaves its old membership behind.
    if (joined && joined.peerId !== peerId) swarms.remove(infoHash, joined.peerId);
    const member: SwarmMember = {
      peerId,
      connectionId: attachment.connectionId,
      complete,
      colo: attachment.colo,
      country: attachment.country,
      uploadedBytes,
    };
    if (swarms.announce(infoHash, member, request.event)) {
      if (joined) Object.assign(joined, { peerId, complete, uploadedBytes });
      else {
        joined = { infoHash, peerId, complete, uploadedBytes };
        attachment.swarms.push(joined);
      }
    } else {
      attachment.swarms = attachment.swarms.filter((entry) => entry.infoHash !== infoHash);
    }
    if (request.event === 'completed' && !wasComplete) this.countDownload(infoHash);
    ws.serializeAttachment(attachment);

    // As bittorrent-tracker does: an announce that only carries an answer gets no reply of its own.
    if (request.answer === undefined) send(ws, announceResponse(infoHash, swarms.counts(infoHash)));

    if (request.offers && request.offers.length > 0 && request.event !== 'stopped') {
      const wanted = Math.min(request.offers.length, request.numwant ?? request.offers.length);
      const recipients = selectOfferRecipients(
        { peerId, colo: attachment.colo, country: attachment.country, count: wanted },
        swarms.members(infoHash),
        (candidate) => this.isBlocked(infoHash, candidate),
      );
      recipients.forEach((recipient, index) => {
        const offer = request.offers?.[index];
        const socket = this.socketsById.get(recipient.connectionId);
        if (offer && socket) send(socket, relayedOffer(infoHash, peerId, offer.offer_id, offer.offer));
      });
    }

    if (request.answer !== undefined && request.to_peer_id !== undefined && request.offer_id !== undefined) {
      const target = swarms.member(infoHash, request.to_peer_id);
      if (!target || this.isBlocked(infoHash, peerId) || this.isBlocked(infoHash, target.peerId)) return;
      const socket = this.socketsById.get(target.connectionId);
      if (socket) send(socket, relayedAnswer(infoHash, peerId, request.offer_id, request.answer));
    }
  }

  private scrape(request: ScrapeRequest) {
    const swarms = this.swarms();
    const files: Record<string, { complete: number; incomplete: number; downloaded: number }> = {};
    for (const infoHash of request.infoHashes ?? swarms.infoHashes()) {
      files[infoHash] = { ...swarms.counts(infoHash), downloaded: this.downloads(infoHash) };
    }
    return scrapeResponse(files);
  }

  /** The membership index, rebuilt from the sockets' attachments the first time it is needed after waking. */
  private swarms(): SwarmRegistry {
    if (this.membership) return this.membership;
    const registry = new SwarmRegistry();
    for (const socket of this.ctx.getWebSockets()) {
      const attachment = socket.deserializeAttachment() as PeerAttachment | null;
      if (!attachment) continue;
      this.socketsById.set(attachment.connectionId, socket);
      for (const joined of attachment.swarms) {
        registry.announce(
          joined.infoHash,
          {
            peerId: joined.peerId,
            connectionId: attachment.connectionId,
            complete: joined.complete,
            colo: attachment.colo,
            country: attachment.country,
            uploadedBytes: joined.uploadedBytes,
          },
          undefined,
        );
      }
    }
    this.membership = registry;
    return registry;
  }

  private forget(ws: WebSocket): void {
    const attachment = ws.deserializeAttachment() as PeerAttachment | null;
    if (!attachment) return;
    this.swarms().removeConnection(attachment.connectionId);
    this.socketsById.delete(attachment.connectionId);
  }

  private isBlocked(infoHash: string, peerId: string): boolean {
    return this.blocked.has(blockKey(infoHash, peerId));
  }

  private countDownload(infoHash: string): void {
    this.ctx.storage.sql.exec(
      'INSERT INTO swarm_downloads (info_hash, downloaded) VALUES (?, 1) ON CONFLICT (info_hash) DO UPDATE SET downloaded = downloaded + 1',
      toStorageKey(infoHash),
    );
  }

  private downloads(infoHash: string): number {
    const rows = this.ctx.storage.sql
      .exec<{ downloaded: number }>('SELECT downloaded FROM swarm_downloads WHERE info_hash = ?', toStorageKey(infoHash))
      .toArray();
    return rows[0]?.downloaded ?? 0;
  }
}

function send(ws: WebSocket, frame: unknown): void {
  try {
    ws.send(JSON.stringify(frame));
  } catch {
    // The peer went away between lookup and send; its close handler cleans up.
  }
}

function blockKey(infoHash: string, peerId: string): string {
  return JSON.stringify([infoHash, peerId]);
}

// Binary ids may contain NUL and other control characters; hex of the UTF-16 code units stores them losslessly.
function toStorageKey(id: string): string {
  let hex = '';
  for (let index = 0; index < id.length; index += 1) hex += id.charCodeAt(index).toString(16).padStart(4, '0');
  return hex;
}

function fromStorageKey(hex: string): string {
  let id = '';
  for (let index = 0; index < hex.length; index += 4) id += String.fromCharCode(Number.parseInt(hex.slice(index, index + 4), 16));
  return id;
}
