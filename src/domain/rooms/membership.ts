// Who holds a seat in a call room. Pure: the CallRoom object rebuilds the roster from its live WebSockets'
// attachments and its table of recently departed peers, asks `admit` what to do, and applies the answer.
//
// A seat outlives its connection by a grace window: a browser whose network drops for a moment comes back
// with the same room token (same peer id) and finds its seat still there even if the room filled up meanwhile.
// Others were told `peer-left` when the connection closed, so they are told `peer-joined` again on return;
// a peer that reconnects while its old connection still looks alive (the server has not noticed the drop yet)
// simply replaces it, and nobody is told anything.

export interface RoomLimits {
  /** Most peers in one mesh call. Every peer sends its media to every other, so uplink grows with N−1. */
  maxPeers: number;
  /** How long a departed peer's seat and identity are kept for it to reconnect. */
  reconnectGraceMs: number;
}

/** 8 peers: past that a mesh needs 7+ uplink streams per browser, and the room's SFU route serves better. */
export const DEFAULT_ROOM_LIMITS: RoomLimits = { maxPeers: 8, reconnectGraceMs: 30_000 };

export interface DepartedPeer {
  peerId: string;
  displayName?: string;
  leftAtMs: number;
}

export interface RosterSnapshot {
  /** Peer ids with a joined, live connection. */
  connected: ReadonlySet<string>;
  /** Peers whose connection closed (not by `leave`), most likely still inside their grace window. */
  departed: readonly DepartedPeer[];
}

export type AdmitDecision =
  | {
      admitted: true;
      /** The peer had a live connection: retire it without announcing anything. */
      replacesConnection: boolean;
      /** Tell the others `peer-joined` (false only when replacing a connection they still see). */
      announce: boolean;
      /** The peer came back inside its grace window; its earlier display name, if any. */
      resumedFrom: DepartedPeer | null;
    }
  | { admitted: false; reason: 'room_full' };

/** Departed peers still inside their grace window at `nowMs`. */
export function withinGrace(departed: readonly DepartedPeer[], nowMs: number, limits: RoomLimits): DepartedPeer[] {
  return departed.filter((peer) => nowMs - peer.leftAtMs < limits.reconnectGraceMs);
}

/** Seats taken: live peers plus the reserved seats of peers inside their grace window. */
export function seatsTaken(roster: RosterSnapshot, nowMs: number, limits: RoomLimits): number {
  const reserved = withinGrace(roster.departed, nowMs, limits).filter((peer) => !roster.connected.has(peer.peerId));
  return roster.connected.size + reserved.length;
}

export function admit(roster: RosterSnapshot, peerId: string, nowMs: number, limits: RoomLimits = DEFAULT_ROOM_LIMITS): AdmitDecision {
  if (roster.connected.has(peerId)) {
    return { admitted: true, replacesConnection: true, announce: false, resumedFrom: null };
  }
  const returning = withinGrace(roster.departed, nowMs, limits).find((peer) => peer.peerId === peerId);
  if (returning) return { admitted: true, replacesConnection: false, announce: true, resumedFrom: returning };
  if (seatsTaken(roster, nowMs, limits) >= limits.maxPeers) return { admitted: false, reason: 'room_full' };
  return { admitted: true, replacesConnection: false, announce: true, resumedFrom: null };
}
