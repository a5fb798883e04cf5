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
// Peer ids are owned (domain/swarm/membership.ts): the socket that announced an id first keeps it until it stops
// or closes, so another socket can neither take it over nor send offers and answers under it. An answer is relayed
// only for an offer this object relayed to the answering socket (`relayed_offers`), and only to the socket that
// owns `to_peer_id`: a socket cannot answer as someone else or answer offers it never received.
//
// Durable state in SQLite: the per-swarm `downloaded` counter (scrape); the offers relayed in the last minutes,
// so an answer still finds its offer after the object hibernated; the pairings and reports behind peer blocks,
// and the blocks themselves, which expire (domain/swarm/peer-reports.ts explains who may report whom).
import { selectOfferRecipients } from '../domain/swarm/matching';
import { isCompleteAfter, type SwarmMember, SwarmRegistry } from '../domain/swarm/membership';
import {
  BLOCK_DURATION_MS,
  blockExpiresAt,
  MAX_REPORTS_PER_PEER,
  PAIRING_WINDOW_MS,
  type PeerReportOutcome,
  REPORT_RATE_LIMIT,
  shouldBlock,
} from '../domain/swarm/peer-reports';
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
import { ANNOUNCE_RATE_LIMIT } from '../domain/swarm/rate-limit';
import { fullBucket, type TokenBucketState, takeToken } from '../domain/token-bucket';
import type { Env } from '../env';
import { HealthCheckedObject } from './health';

/** Headers the Worker sets (from `request.cf`) when it forwards the upgrade; a client cannot supply them. */
export const SWARM_COLO_HEADER = 'X-Swarm-Colo';
export const SWARM_COUNTRY_HEADER = 'X-Swarm-Country';
/** SHA-256 (hex) of the report key the player put on its announce URL, set by the Worker. */
export const SWARM_REPORT_KEY_HEADER = 'X-Swarm-Report-Key-Hash';

/** Time for an empty report bucket to fill up again. */
const REPORT_BUCKET_REFILL_MS = (REPORT_RATE_LIMIT.capacity / REPORT_RATE_LIMIT.refillPerSecond) * 1000;

/** How long a relayed offer waits for its answer (clients give up on an offer well before this). */
const OFFER_ANSWER_WINDOW_MS = 2 * 60_000;

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
  /** Hash of the player's report key (null for clients that do not report, e.g. stock WebTorrent clients). */
  reportKeyHash: string | null;
  swarms: JoinedSwarm[];
  bucket: TokenBucketState;
}

export class SwarmTracker extends HealthCheckedObject {
  protected readonly kind = 'SwarmTracker';

  private membership: SwarmRegistry | null = null;
  private readonly socketsById = new Map<string, WebSocket>();
  /** Block key → when the block ends (epoch ms). */
  private readonly blocked = new Map<string, number>();
  /** The object's clock; tests replace it to see blocks and pairings expire. */
  protected now: () => number = () => Date.now();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    // The first block list had neither expiry nor pairing behind its reports: those blocks are not kept.
    sql.exec('DROP TABLE IF EXISTS blocked_peers');
    sql.exec('DROP TABLE IF EXISTS peer_reports');
    // Ids may hold any code unit (binary peer ids), so storage keys are their hex code units.
    sql.exec(
      'CREATE TABLE IF NOT EXISTS peer_blocks (info_hash TEXT NOT NULL, peer_id TEXT NOT NULL, expires_at_ms INTEGER NOT NULL, PRIMARY KEY (info_hash, peer_id))',
    );
    sql.exec(
      'CREATE TABLE IF NOT EXISTS swarm_reports (info_hash TEXT NOT NULL, peer_id TEXT NOT NULL, reporter TEXT NOT NULL, reported_at_ms INTEGER NOT NULL, PRIMARY KEY (info_hash, peer_id, reporter))',
    );
    sql.exec('CREATE TABLE IF NOT EXISTS swarm_downloads (info_hash TEXT PRIMARY KEY, downloaded INTEGER NOT NULL)');
    sql.exec(
      'CREATE TABLE IF NOT EXISTS relayed_offers (to_connection TEXT NOT NULL, info_hash TEXT NOT NULL, offer_id TEXT NOT NULL, from_peer_id TEXT NOT NULL, relayed_at_ms INTEGER NOT NULL, PRIMARY KEY (to_connection, info_hash, offer_id))',
    );
    sql.exec('CREATE INDEX IF NOT EXISTS relayed_offers_by_age ON relayed_offers (relayed_at_ms)');
    sql.exec(
      'CREATE TABLE IF NOT EXISTS pairings (report_key_hash TEXT NOT NULL, info_hash TEXT NOT NULL, peer_id TEXT NOT NULL, paired_at_ms INTEGER NOT NULL, PRIMARY KEY (report_key_hash, info_hash, peer_id))',
    );
    sql.exec('CREATE INDEX IF NOT EXISTS pairings_by_age ON pairings (paired_at_ms)');
    sql.exec(
      'CREATE TABLE IF NOT EXISTS report_keys (report_key_hash TEXT PRIMARY KEY, reporter TEXT NOT NULL, bound_at_ms INTEGER NOT NULL)',
    );
    sql.exec('CREATE TABLE IF NOT EXISTS report_buckets (reporter TEXT PRIMARY KEY, tokens REAL NOT NULL, updated_at_ms INTEGER NOT NULL)');
    for (const row of sql.exec<{ info_hash: string; peer_id: string; expires_at_ms: number }>(
      'SELECT info_hash, peer_id, expires_at_ms FROM peer_blocks',
    )) {
      this.blocked.set(blockKey(fromStorageKey(row.info_hash), fromStorageKey(row.peer_id)), row.expires_at_ms);
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
      reportKeyHash: request.headers.get(SWARM_REPORT_KEY_HEADER) || null,
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
   * Marks a peer as bad in one swarm until `BLOCK_DURATION_MS` from now (RPC; reportPeer calls it once viewers
   * agree a peer served data that fails its hash). A blocked peer is not matched, in either direction.
   */
  async reportBadPeer(infoHash: string, peerId: string): Promise<void> {
    const expiresAtMs = blockExpiresAt(this.now());
    this.ctx.storage.sql.exec(
      'INSERT INTO peer_blocks (info_hash, peer_id, expires_at_ms) VALUES (?, ?, ?) ON CONFLICT (info_hash, peer_id) DO UPDATE SET expires_at_ms = excluded.expires_at_ms',
      toStorageKey(infoHash),
      toStorageKey(peerId),
      expiresAtMs,
    );
    this.blocked.set(blockKey(infoHash, peerId), expiresAtMs);
  }

  /**
   * A viewer's report that `peerId` served a segment failing its hash (RPC; POST /tracker/{videoId}/reports).
   * `reportKeyHash` names the reporter's tracker socket(s); the report counts only if this object paired that
   * socket with the peer within PAIRING_WINDOW_MS (see domain/swarm/peer-reports.ts). Once enough distinct
   * accounts agree, every peer id the offending socket holds is blocked in every swarm it joined, so it cannot
   * come back under its other stream's id.
   */
  async reportPeer(report: { peerId: string; reportKeyHash: string; reporter: string }): Promise<PeerReportOutcome> {
    const sql = this.ctx.storage.sql;
    const now = this.now();
    // Bounded storage: a key binding outlives the reports it made by no more than they live, and a bucket
    // untouched long enough to be full again is the same as none.
    sql.exec('DELETE FROM report_keys WHERE bound_at_ms < ?', now - BLOCK_DURATION_MS);
    sql.exec('DELETE FROM report_buckets WHERE updated_at_ms < ?', now - REPORT_BUCKET_REFILL_MS);
    if (!this.takeReportToken(report.reporter, now)) return { kind: 'rate_limited' };
    const bound = sql
      .exec<{ reporter: string }>('SELECT reporter FROM report_keys WHERE report_key_hash = ?', report.reportKeyHash)
      .toArray()[0];
    if (bound && bound.reporter !== report.reporter) return { kind: 'key_of_another_account' };
    sql.exec('DELETE FROM pairings WHERE paired_at_ms < ?', now - PAIRING_WINDOW_MS);
    const pairedIn = sql
      .exec<{ info_hash: string }>(
        'SELECT info_hash FROM pairings WHERE report_key_hash = ? AND peer_id = ?',
        report.reportKeyHash,
        toStorageKey(report.peerId),
      )
      .toArray()
      .map((row) => row.info_hash);
    if (pairedIn.length === 0) return { kind: 'not_paired' };
    if (!bound) {
      sql.exec(
        'INSERT INTO report_keys (report_key_hash, reporter, bound_at_ms) VALUES (?, ?, ?)',
        report.reportKeyHash,
        report.reporter,
        now,
      );
    }

    sql.exec('DELETE FROM swarm_reports WHERE reported_at_ms < ?', now - BLOCK_DURATION_MS);
    const peerKey = toStorageKey(report.peerId);
    let reporters = 0;
    const blockedIn: string[] = [];
    for (const infoHashKey of pairedIn) {
      const counted = () =>
        sql
          .exec<{ n: number }>('SELECT COUNT(*) AS n FROM swarm_reports WHERE info_hash = ? AND peer_id = ?', infoHashKey, peerKey)
          .toArray()[0]?.n ?? 0;
      if (counted() < MAX_REPORTS_PER_PEER) {
        sql.exec(
          'INSERT OR IGNORE INTO swarm_reports (info_hash, peer_id, reporter, reported_at_ms) VALUES (?, ?, ?, ?)',
          infoHashKey,
          peerKey,
          report.reporter,
          now,
        );
      }
      const inThisSwarm = counted();
      reporters = Math.max(reporters, inThisSwarm);
      if (shouldBlock(inThisSwarm)) blockedIn.push(fromStorageKey(infoHashKey));
    }
    if (blockedIn.length === 0) return { kind: 'counted', reporters, blocked: false };

    const swarms = this.swarms();
    const identities: { infoHash: string; peerId: string }[] = blockedIn.map((infoHash) => ({ infoHash, peerId: report.peerId }));
    const offenders = new Set<string>();
    for (const infoHash of blockedIn) {
      const member = swarms.member(infoHash, report.peerId);
      if (member) offenders.add(member.connectionId);
    }
    for (const connectionId of offenders) {
      const attachment = this.socketsById.get(connectionId)?.deserializeAttachment() as PeerAttachment | null | undefined;
      for (const joined of attachment?.swarms ?? []) identities.push({ infoHash: joined.infoHash, peerId: joined.peerId });
    }
    for (const identity of identities) await this.reportBadPeer(identity.infoHash, identity.peerId);
    return { kind: 'counted', reporters, blocked: true };
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
    const member: SwarmMember = {
      peerId,
      connectionId: attachment.connectionId,
      complete,
      colo: attachment.colo,
      country: attachment.country,
      uploadedBytes,
      playerKey: attachment.reportKeyHash,
    };
    // Another socket owns this peer_id here: refuse the whole announce, its offers and answer included.
    if (!swarms.mayAnnounce(infoHash, member)) {
      ws.serializeAttachment(attachment);
      send(ws, failure('peer_id is in use by another connection', { action: 'announce', infoHash }));
      return;
    }
    // The same player moving an id to its newer socket: the older socket no longer holds it.
    const previousOwner = swarms.member(infoHash, peerId);
    if (previousOwner && previousOwner.connectionId !== attachment.connectionId) this.releaseId(previousOwner.connectionId, infoHash);
    // A socket that re-announces under a new peer_id leaves its old membership behind.
    if (joined && joined.peerId !== peerId) swarms.remove(infoHash, joined.peerId);
    if (swarms.announce(infoHash, member, request.event) === 'joined') {
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
      const now = this.now();
      recipients.forEach((recipient, index) => {
        const offer = request.offers?.[index];
        const socket = this.socketsById.get(recipient.connectionId);
        if (!offer || !socket) return;
        this.rememberOffer(recipient.connectionId, infoHash, offer.offer_id, peerId, now);
        send(socket, relayedOffer(infoHash, peerId, offer.offer_id, offer.offer));
      });
    }

    if (request.answer !== undefined && request.to_peer_id !== undefined && request.offer_id !== undefined) {
      const target = swarms.member(infoHash, request.to_peer_id);
      if (!target || this.isBlocked(infoHash, peerId) || this.isBlocked(infoHash, target.peerId)) return;
      // Only an answer to an offer we relayed to this very socket, from the peer it names.
      if (!this.takeOffer(attachment.connectionId, infoHash, request.offer_id, target.peerId)) return;
      const socket = this.socketsById.get(target.connectionId);
      if (!socket) return;
      send(socket, relayedAnswer(infoHash, peerId, request.offer_id, request.answer));
      const offererAttachment = socket.deserializeAttachment() as PeerAttachment | null;
      this.recordPairing(attachment.reportKeyHash, infoHash, target.peerId);
      this.recordPairing(offererAttachment?.reportKeyHash ?? null, infoHash, peerId);
    }
  }

  /** Drops one swarm from an older socket's attachment (its player took the id over on a newer socket). */
  private releaseId(connectionId: string, infoHash: string): void {
    const socket = this.socketsById.get(connectionId);
    const attachment = socket?.deserializeAttachment() as PeerAttachment | null | undefined;
    if (!socket || !attachment) return;
    attachment.swarms = attachment.swarms.filter((entry) => entry.infoHash !== infoHash);
    socket.serializeAttachment(attachment);
  }

  private rememberOffer(toConnection: string, infoHash: string, offerId: string, fromPeerId: string, now: number): void {
    const sql = this.ctx.storage.sql;
    sql.exec('DELETE FROM relayed_offers WHERE relayed_at_ms < ?', now - OFFER_ANSWER_WINDOW_MS);
    sql.exec(
      'INSERT OR REPLACE INTO relayed_offers (to_connection, info_hash, offer_id, from_peer_id, relayed_at_ms) VALUES (?, ?, ?, ?, ?)',
      toConnection,
      toStorageKey(infoHash),
      toStorageKey(offerId),
      toStorageKey(fromPeerId),
      now,
    );
  }

  /** Whether `offerId` from `fromPeerId` was relayed to this socket recently; an offer is answered once. */
  private takeOffer(toConnection: string, infoHash: string, offerId: string, fromPeerId: string): boolean {
    const key = [toConnection, toStorageKey(infoHash), toStorageKey(offerId)] as const;
    const row = this.ctx.storage.sql
      .exec<{ from_peer_id: string; relayed_at_ms: number }>(
        'SELECT from_peer_id, relayed_at_ms FROM relayed_offers WHERE to_connection = ? AND info_hash = ? AND offer_id = ?',
        ...key,
      )
      .toArray()[0];
    if (!row || row.from_peer_id !== toStorageKey(fromPeerId) || row.relayed_at_ms < this.now() - OFFER_ANSWER_WINDOW_MS) return false;
    this.ctx.storage.sql.exec('DELETE FROM relayed_offers WHERE to_connection = ? AND info_hash = ? AND offer_id = ?', ...key);
    return true;
  }

  /** The socket with this report key exchanged an offer and an answer with `peerId` (so it may report it). */
  private recordPairing(reportKeyHash: string | null, infoHash: string, peerId: string): void {
    if (!reportKeyHash) return;
    this.ctx.storage.sql.exec('DELETE FROM pairings WHERE paired_at_ms < ?', this.now() - PAIRING_WINDOW_MS);
    this.ctx.storage.sql.exec(
      'INSERT OR REPLACE INTO pairings (report_key_hash, info_hash, peer_id, paired_at_ms) VALUES (?, ?, ?, ?)',
      reportKeyHash,
      toStorageKey(infoHash),
      toStorageKey(peerId),
      this.now(),
    );
  }

  /** One token of the reporter's per-video report bucket (domain/swarm/rate-limit.ts), kept in storage. */
  private takeReportToken(reporter: string, now: number): boolean {
    const sql = this.ctx.storage.sql;
    const row = sql
      .exec<{ tokens: number; updated_at_ms: number }>('SELECT tokens, updated_at_ms FROM report_buckets WHERE reporter = ?', reporter)
      .toArray()[0];
    const bucket: TokenBucketState = row ? { tokens: row.tokens, updatedAtMs: row.updated_at_ms } : fullBucket(REPORT_RATE_LIMIT, now);
    const taken = takeToken(REPORT_RATE_LIMIT, bucket, now);
    sql.exec(
      'INSERT OR REPLACE INTO report_buckets (reporter, tokens, updated_at_ms) VALUES (?, ?, ?)',
      reporter,
      taken.state.tokens,
      taken.state.updatedAtMs,
    );
    return taken.allowed;
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
            playerKey: attachment.reportKeyHash ?? null,
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
    const key = blockKey(infoHash, peerId);
    const expiresAtMs = this.blocked.get(key);
    if (expiresAtMs === undefined) return false;
    if (expiresAtMs > this.now()) return true;
    // Expired: forget it here and in storage (lazily, on the first match after it ends).
    this.blocked.delete(key);
    this.ctx.storage.sql.exec(
      'DELETE FROM peer_blocks WHERE info_hash = ? AND peer_id = ? AND expires_at_ms <= ?',
      toStorageKey(infoHash),
      toStorageKey(peerId),
      this.now(),
    );
    return false;
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
