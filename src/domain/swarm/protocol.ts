// The WebTorrent tracker wire protocol (JSON text frames over one WebSocket), as spoken by bittorrent-tracker's
// browser client and by p2p-media-loader. One module for the message shapes, the parser that turns an untrusted
// frame into a typed request, and the builders of every frame the tracker sends.
//
// Identifiers are opaque JavaScript strings: bittorrent-tracker clients send info_hash / peer_id as 20-character
// "binary" strings (each char one byte, latin1), p2p-media-loader sends ASCII ids but a binary offer_id. They are
// compared and echoed exactly as received, never hex-decoded or re-encoded, so both kinds of client interoperate.
import { z } from 'zod';

/** Seconds a client should wait between announces (bittorrent-tracker's WebSocket default: 2 minutes). */
export const ANNOUNCE_INTERVAL_SECONDS = 120;
/** Most offers a single announce may carry (a stock client sends `numwant`, default 50 in the browser). */
export const MAX_OFFERS_PER_ANNOUNCE = 50;
/** Longest identifier accepted (binary ids are 20 chars; some clients use 40-char hex). */
export const MAX_ID_LENGTH = 64;
/** Largest SDP blob relayed (an offer with many candidates is a few KB). */
export const MAX_SDP_LENGTH = 16_384;

const id = z.string().min(1).max(MAX_ID_LENGTH);
// An SDP description as RTCPeerConnection produces it; relayed untouched, only its size and shape are checked.
const sdp = z.object({ type: z.string().max(16), sdp: z.string().max(MAX_SDP_LENGTH) }).loose();
const byteCount = z.number().finite().nonnegative();

export const AnnounceEvents = ['started', 'stopped', 'completed', 'update'] as const;
export type AnnounceEvent = (typeof AnnounceEvents)[number];

const AnnounceSchema = z.object({
  action: z.literal('announce'),
  info_hash: id,
  peer_id: id,
  numwant: z.number().int().nonnegative().optional(),
  uploaded: byteCount.optional(),
  downloaded: byteCount.optional(),
  left: z.number().finite().optional().nullable(),
  // Clients omit `event` on periodic re-announces and on answer-only announces.
  event: z.enum(AnnounceEvents).optional(),
  offers: z
    .array(z.object({ offer_id: id, offer: sdp }))
    .max(MAX_OFFERS_PER_ANNOUNCE)
    .optional(),
  answer: sdp.optional(),
  to_peer_id: id.optional(),
  offer_id: id.optional(),
});

const ScrapeSchema = z.object({
  action: z.literal('scrape'),
  // One info_hash, several, or none (= every swarm of this tracker object).
  info_hash: z.union([id, z.array(id).max(MAX_OFFERS_PER_ANNOUNCE)]).optional(),
});

export type SessionDescription = z.infer<typeof sdp>;
export type AnnounceRequest = z.infer<typeof AnnounceSchema>;
export type ScrapeRequest = { action: 'scrape'; infoHashes: string[] | null };
export type TrackerRequest = AnnounceRequest | ScrapeRequest;

export type ParseResult = { ok: true; request: TrackerRequest } | { ok: false; reason: string; infoHash?: string };

/** Turns one untrusted text frame into a typed request, or a human-readable reason to send back. */
export function parseTrackerMessage(frame: string | ArrayBuffer): ParseResult {
  if (typeof frame !== 'string') return { ok: false, reason: 'binary frames are not part of the tracker protocol' };
  let json: unknown;
  try {
    json = JSON.parse(frame);
  } catch {
    return { ok: false, reason: 'invalid JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, reason: 'message must be a JSON object' };
  const action = (json as { action?: unknown }).action;
  const infoHash = (json as { info_hash?: unknown }).info_hash;
  const echoHash = typeof infoHash === 'string' && infoHash.length <= MAX_ID_LENGTH ? infoHash : undefined;
  if (action === 'announce') {
    const parsed = AnnounceSchema.safeParse(json);
    if (!parsed.success) return { ok: false, reason: `invalid announce: ${describe(parsed.error)}`, infoHash: echoHash };
    const request = parsed.data;
    if (request.answer !== undefined && (request.to_peer_id === undefined || request.offer_id === undefined)) {
      return { ok: false, reason: 'an answer needs to_peer_id and offer_id', infoHash: echoHash };
    }
    return { ok: true, request };
  }
  if (action === 'scrape') {
    const parsed = ScrapeSchema.safeParse(json);
    if (!parsed.success) return { ok: false, reason: `invalid scrape: ${describe(parsed.error)}` };
    const hashes = parsed.data.info_hash;
    return { ok: true, request: { action: 'scrape', infoHashes: hashes === undefined ? null : Array.isArray(hashes) ? hashes : [hashes] } };
  }
  return { ok: false, reason: 'unknown action' };
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'message'}: ${issue.message}` : 'malformed';
}

// Frames the tracker sends. Field names are the protocol's, snake_case included.

export interface SwarmCounts {
  complete: number;
  incomplete: number;
}

export function announceResponse(infoHash: string, counts: SwarmCounts) {
  return { action: 'announce' as const, interval: ANNOUNCE_INTERVAL_SECONDS, info_hash: infoHash, ...counts };
}

export function relayedOffer(infoHash: string, fromPeerId: string, offerId: string, offer: SessionDescription) {
  return { action: 'announce' as const, offer, offer_id: offerId, peer_id: fromPeerId, info_hash: infoHash };
}

export function relayedAnswer(infoHash: string, fromPeerId: string, offerId: string, answer: SessionDescription) {
  return { action: 'announce' as const, answer, offer_id: offerId, peer_id: fromPeerId, info_hash: infoHash };
}

export function scrapeResponse(files: Record<string, SwarmCounts & { downloaded: number }>) {
  return { action: 'scrape' as const, files };
}

/** bittorrent-tracker clients surface `failure reason` as a warning and keep the socket open. */
export function failure(reason: string, context: { action?: 'announce' | 'scrape'; infoHash?: string } = {}) {
  return {
    'failure reason': reason,
    ...(context.action ? { action: context.action } : {}),
    ...(context.infoHash !== undefined ? { info_hash: context.infoHash } : {}),
  };
}
