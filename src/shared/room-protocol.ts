// The wire protocol of a call room (one CallRoom Durable Object per room), shared by the object and the web
// client: JSON text frames with a `type` discriminator. The object validates every client frame against
// these schemas and answers a bad one with an `error` frame instead of closing — a browser that sends one
// malformed message should not lose its call.
//
// Client → server: join, signal, leave, ping.   Server → client: welcome, peer-joined, peer-left, signal, error, pong.
//
// Plain TypeScript and zod only (no Cloudflare types), so the browser bundle can import it.
import { z } from 'zod';

/** Largest text frame the room reads; an SDP offer of a browser with a few dozen m-lines fits comfortably. */
export const MAX_ROOM_MESSAGE_CHARS = 96 * 1024;
const MAX_SDP_CHARS = 64 * 1024;
const MAX_CANDIDATE_CHARS = 4 * 1024;
const MAX_DISPLAY_NAME_CHARS = 64;

/**
 * Close codes the room uses (4000–4999 are left to applications by RFC 6455 §7.4.2).
 * A client should not reconnect automatically after `roomFull` or `removed`; after `replaced` another tab took its seat.
 */
export const ROOM_CLOSE_CODES = {
  normal: 1000,
  /**
   * A newer connection of the same user joined (a reload, a second tab, a reconnect): one seat per user, so
   * this one is retired. The reason says which.
   */
  replaced: 4001,
  /** The host removed this user from the room; the room refuses them from now on. */
  removed: 4003,
  /** The mesh is at its size limit; use the SFU routes of the room instead. */
  roomFull: 4009,
} as const;

/** Answered without waking the object (setWebSocketAutoResponse matches the exact text). */
export const PING_FRAME = '{"type":"ping"}';
export const PONG_FRAME = '{"type":"pong"}';

const PeerId = z.string().min(1).max(64);

export const SessionDescriptionSchema = z.strictObject({
  type: z.enum(['offer', 'answer', 'pranswer', 'rollback']),
  sdp: z.string().max(MAX_SDP_CHARS).optional(),
});

/** An RTCIceCandidateInit; `null` is the end-of-candidates marker. */
export const IceCandidateSchema = z
  .strictObject({
    candidate: z.string().max(MAX_CANDIDATE_CHARS),
    sdpMid: z.string().max(64).nullable().optional(),
    sdpMLineIndex: z.number().int().min(0).max(1024).nullable().optional(),
    usernameFragment: z.string().max(256).nullable().optional(),
  })
  .nullable();

export const SignalDataSchema = z.union([
  z.strictObject({ sdp: SessionDescriptionSchema }),
  z.strictObject({ candidate: IceCandidateSchema }),
]);
export type SignalData = z.infer<typeof SignalDataSchema>;

export const ClientMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('join'), displayName: z.string().trim().min(1).max(MAX_DISPLAY_NAME_CHARS).optional() }),
  z.strictObject({ type: z.literal('signal'), to: PeerId, data: SignalDataSchema }),
  z.strictObject({ type: z.literal('leave') }),
  z.strictObject({ type: z.literal('ping') }),
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

export interface PeerInfo {
  peerId: string;
  displayName?: string;
}

export type RoomErrorCode =
  | 'bad_message'
  | 'message_too_large'
  | 'not_joined'
  | 'already_joined'
  | 'unknown_peer'
  | 'room_full'
  | 'rate_limited';

export type ServerMessage =
  | { type: 'welcome'; peerId: string; peers: PeerInfo[]; iceServersUrl: string; resumed: boolean }
  | { type: 'peer-joined'; peer: PeerInfo }
  | { type: 'peer-left'; peerId: string }
  | { type: 'signal'; from: string; data: SignalData }
  | { type: 'error'; code: RoomErrorCode; message: string }
  | { type: 'pong' };

export type ParsedClientMessage =
  | { ok: true; message: ClientMessage }
  | { ok: false; code: 'bad_message' | 'message_too_large'; message: string };

/** Parses one text frame; never throws. */
export function parseClientMessage(frame: string): ParsedClientMessage {
  if (frame.length > MAX_ROOM_MESSAGE_CHARS) {
    return { ok: false, code: 'message_too_large', message: `Messages are limited to ${MAX_ROOM_MESSAGE_CHARS} characters` };
  }
  let json: unknown;
  try {
    json = JSON.parse(frame);
  } catch {
    return { ok: false, code: 'bad_message', message: 'Messages must be JSON' };
  }
  const result = ClientMessageSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    return { ok: false, code: 'bad_message', message: `Invalid message${where}: ${issue?.message ?? 'unknown shape'}` };
  }
  return { ok: true, message: result.data };
}
