// The ingest token a player (or a call room page) posts its WebRTC metric samples with. Its claims name the video
// and room the session's numbers are filed under on the operator dashboard, and what session alert rules filter
// on, so they are only handed out for what the caller actually watches: a video they may play (the catalog's
// rule, plus an entitlement for a paid one) and a room they are an active member of. Otherwise anyone signed in
// could file fake sessions under another creator's private video and open alerts against it.
import type { Database } from '../../adapters/db/client';
import { activeEntitlement, isPaidVideo } from '../../adapters/db/payments-repo';
import { findRoomMembership } from '../../adapters/db/rooms-repo';
import { findVideo } from '../../adapters/db/videos-repo';
import { issueToken } from '../../domain/auth-tokens';
import { canEdit, canView, type Viewer } from '../../domain/catalog';
import { newId } from '../../domain/ids';

export const INGEST_TOKEN_TTL_SECONDS = 60 * 60;

export interface IngestTokenRequest {
  /** An earlier token's session, to continue it (the aggregator keeps a session to the user who opened it). */
  sessionId?: string;
  videoId?: string;
  roomId?: string;
}

export type IngestTokenResult =
  | { ok: true; token: string; expiresAt: number; sessionId: string; peerId: string }
  // video_not_found also covers a video the caller may not see: an id never confirms a private video or a draft.
  | { ok: false; reason: 'video_not_found' | 'not_entitled' | 'not_room_member' };

export async function issueIngestToken(
  deps: { db: Database; jwtSecret: string; now: number },
  caller: Viewer,
  request: IngestTokenRequest,
): Promise<IngestTokenResult> {
  const { db, now } = deps;
  if (request.videoId !== undefined) {
    const video = await findVideo(db, request.videoId);
    if (!video || !canView(video, caller)) return { ok: false, reason: 'video_not_found' };
    // The same rule as the playback token (routes/payments.ts): creators and admins always, others need a
    // purchase, live rental or subscription when the video has a price.
    if (!canEdit(video, caller) && (await isPaidVideo(db, video.id)) && !(await activeEntitlement(db, caller.userId, video, now))) {
      return { ok: false, reason: 'not_entitled' };
    }
  }
  if (request.roomId !== undefined) {
    const membership = await findRoomMembership(db, request.roomId, caller.userId);
    if (!membership || membership.removedAt !== null) return { ok: false, reason: 'not_room_member' };
  }
  const sessionId = request.sessionId ?? newId('ses');
  const peerId = newId('peer');
  const issued = await issueToken(
    'ingest',
    { userId: caller.userId, sessionId, peerId, videoId: request.videoId ?? null, roomId: request.roomId ?? null },
    deps.jwtSecret,
    INGEST_TOKEN_TTL_SECONDS,
    now,
  );
  return { ok: true, token: issued.token, expiresAt: issued.expiresAt, sessionId, peerId };
}
