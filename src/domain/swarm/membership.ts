// Swarm membership of one tracker object: one swarm per info_hash, each a map peer_id → member. A member
// belongs to one WebSocket (`connectionId`); a socket may join several swarms (the protocol lets one socket
// announce many info_hashes). Kept in memory only: after hibernation the object rebuilds it from its sockets'
// attachments, which is why every field here is also in the attachment.
//
// Ownership: a peer_id belongs to the socket that announced it first, until that socket stops or closes. Another
// socket announcing the same id changes nothing (`taken`): otherwise it would take over the id, receive the
// offers and answers meant for its owner, and on leaving take the owner out of the swarm with it. The one exception
// is the same player on a newer socket (same `playerKey`, a hash of a secret only that player and the tracker
// know): a player whose announce URL changed, e.g. with a renewed playback token, keeps its ids.
import type { AnnounceEvent, SwarmCounts } from './protocol';

export interface SwarmMember {
  peerId: string;
  connectionId: string;
  /** Has the whole content (a seeder): announced `left: 0` or `event: completed`. */
  complete: boolean;
  colo: string | null;
  country: string | null;
  uploadedBytes: number;
  /** Hash of the player's secret report key, when it sent one (clients that do not report have none). */
  playerKey?: string | null;
}

export class SwarmRegistry {
  private readonly swarms = new Map<string, Map<string, SwarmMember>>();

  /**
   * Adds or refreshes a member; `stopped` removes it. `joined`/`left`: the member is in the swarm afterwards or
   * not; `taken`: another socket owns this peer_id in this swarm, and nothing changed.
   */
  announce(infoHash: string, member: SwarmMember, event: AnnounceEvent | undefined): 'joined' | 'left' | 'taken' {
    if (!this.mayAnnounce(infoHash, member)) return 'taken';
    if (event === 'stopped') {
      this.remove(infoHash, member.peerId);
      return 'left';
    }
    let swarm = this.swarms.get(infoHash);
    if (!swarm) {
      swarm = new Map();
      this.swarms.set(infoHash, swarm);
    }
    swarm.set(member.peerId, member);
    return 'joined';
  }

  /** Whether this member may announce its peer_id here: it is free, this socket's, or its own player's. */
  mayAnnounce(infoHash: string, member: Pick<SwarmMember, 'peerId' | 'connectionId' | 'playerKey'>): boolean {
    const owner = this.member(infoHash, member.peerId);
    if (!owner || owner.connectionId === member.connectionId) return true;
    return Boolean(owner.playerKey) && owner.playerKey === member.playerKey;
  }

  remove(infoHash: string, peerId: string): void {
    const swarm = this.swarms.get(infoHash);
    if (!swarm) return;
    swarm.delete(peerId);
    if (swarm.size === 0) this.swarms.delete(infoHash);
  }

  /** Drops every membership of one socket (it closed); returns the info_hashes it left. */
  removeConnection(connectionId: string): string[] {
    const left: string[] = [];
    for (const [infoHash, swarm] of this.swarms) {
      for (const [peerId, member] of swarm) {
        if (member.connectionId === connectionId) {
          swarm.delete(peerId);
          left.push(infoHash);
        }
      }
      if (swarm.size === 0) this.swarms.delete(infoHash);
    }
    return left;
  }

  member(infoHash: string, peerId: string): SwarmMember | undefined {
    return this.swarms.get(infoHash)?.get(peerId);
  }

  members(infoHash: string): Iterable<SwarmMember> {
    return this.swarms.get(infoHash)?.values() ?? [];
  }

  counts(infoHash: string): SwarmCounts {
    let complete = 0;
    let incomplete = 0;
    for (const member of this.members(infoHash)) {
      if (member.complete) complete += 1;
      else incomplete += 1;
    }
    return { complete, incomplete };
  }

  infoHashes(): string[] {
    return [...this.swarms.keys()];
  }
}

/** Seeder status after an announce: `left: 0` or `completed` make a seeder; otherwise the previous status holds. */
export function isCompleteAfter(previous: boolean, event: AnnounceEvent | undefined, left: number | null | undefined): boolean {
  if (event === 'completed') return true;
  if (typeof left === 'number') return left === 0;
  return previous;
}
