import { describe, expect, it } from 'vitest';
import { ConnectedViewers, newPlayerPeerIdPrefix, viewerOfPeer } from '../../../web/src/watch/connection-stats';

// p2p-media-loader fills a peer id to 20 characters after the configured prefix.
const peerIdOf = (prefix: string, stream: string) => (prefix + stream).padEnd(20, 'x').slice(0, 20);

describe('ConnectedViewers', () => {
  it('counts one remote player once however many streams it is connected on', () => {
    const [one, two] = [newPlayerPeerIdPrefix(), newPlayerPeerIdPrefix()];
    expect(one).toMatch(/^-VS1-[A-Za-z0-9]{10}$/);
    expect(one).not.toBe(two);
    const viewers = new ConnectedViewers();
    viewers.connect(peerIdOf(one, 'A360p'));
    viewers.connect(peerIdOf(one, 'B720p'));
    expect(viewers.count).toBe(1);
    expect(viewers.peerIds.size).toBe(2);
    viewers.connect(peerIdOf(two, 'A360p'));
    expect(viewers.count).toBe(2);
    // The 360p connection closes after the switch: the viewer is still connected through 720p.
    viewers.close(peerIdOf(one, 'A360p'));
    expect(viewers.count).toBe(2);
    viewers.close(peerIdOf(one, 'B720p'));
    expect(viewers.count).toBe(1);
  });

  it("counts other clients' ids one each", () => {
    expect(viewerOfPeer('-PM0203-abcdefghijkl')).toBe('-PM0203-abcdefghijkl');
    const viewers = new ConnectedViewers();
    viewers.connect('-PM0203-abcdefghijkl');
    viewers.connect('-PM0203-abcdefghijkm');
    expect(viewers.count).toBe(2);
  });
});
