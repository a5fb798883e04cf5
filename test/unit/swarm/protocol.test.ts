import { describe, expect, it } from 'vitest';
import { announceResponse, failure, parseTrackerMessage, relayedAnswer, relayedOffer } from '../../../src/domain/swarm/protocol';

// 20-char "binary" ids as bittorrent-tracker clients send them (latin1 code units, NUL included).
const binaryHash = '\x00\x01\xfe\xff-binary-hash\x7f\x80\x90';
const binaryPeer = '-WW0208-\x00\xff\x10abcdefgh';
const offer = { type: 'offer', sdp: 'v=0\r\n' };

describe('parseTrackerMessage', () => {
  it('accepts a stock announce with offers and keeps binary ids byte for byte', () => {
    const frame = JSON.stringify({
      action: 'announce',
      info_hash: binaryHash,
      peer_id: binaryPeer,
      numwant: 2,
      uploaded: 0,
      downloaded: 0,
      left: 1000,
      event: 'started',
      offers: [{ offer_id: '\x00\xffoffer-one\x01', offer }],
    });
    const result = parseTrackerMessage(frame);
    expect(result.ok).toBe(true);
    if (!result.ok || result.request.action !== 'announce') throw new Error('expected announce');
    expect(result.request.info_hash).toBe(binaryHash);
    expect(result.request.peer_id).toBe(binaryPeer);
    expect(result.request.offers?.[0]?.offer_id).toBe('\x00\xffoffer-one\x01');
  });

  it('accepts an answer-only announce without an event', () => {
    const result = parseTrackerMessage(
      JSON.stringify({
        action: 'announce',
        info_hash: 'h',
        peer_id: 'p',
        to_peer_id: 'q',
        offer_id: 'o',
        answer: { type: 'answer', sdp: 'x' },
      }),
    );
    expect(result.ok).toBe(true);
  });

  it('rejects an answer without to_peer_id, echoing the info_hash', () => {
    const result = parseTrackerMessage(
      JSON.stringify({ action: 'announce', info_hash: 'h', peer_id: 'p', answer: { type: 'answer', sdp: 'x' } }),
    );
    expect(result).toEqual({ ok: false, reason: 'an answer needs to_peer_id and offer_id', infoHash: 'h' });
  });

  it.each([
    ['not json', 'invalid JSON'],
    ['[1,2]', 'message must be a JSON object'],
    ['null', 'message must be a JSON object'],
    ['{"action":"connect"}', 'unknown action'],
  ])('rejects %s', (frame, reason) => {
    expect(parseTrackerMessage(frame)).toEqual({ ok: false, reason });
  });

  it('rejects binary frames', () => {
    expect(parseTrackerMessage(new ArrayBuffer(4)).ok).toBe(false);
  });

  it('rejects an announce without peer_id, an unknown event, oversized ids and too many offers', () => {
    expect(parseTrackerMessage(JSON.stringify({ action: 'announce', info_hash: 'h' })).ok).toBe(false);
    expect(parseTrackerMessage(JSON.stringify({ action: 'announce', info_hash: 'h', peer_id: 'p', event: 'paused' })).ok).toBe(false);
    expect(parseTrackerMessage(JSON.stringify({ action: 'announce', info_hash: 'h'.repeat(65), peer_id: 'p' })).ok).toBe(false);
    const offers = Array.from({ length: 51 }, (_, index) => ({ offer_id: `o${index}`, offer }));
    expect(parseTrackerMessage(JSON.stringify({ action: 'announce', info_hash: 'h', peer_id: 'p', offers })).ok).toBe(false);
  });

  it('normalises scrape to a list of info_hashes, or null for every swarm', () => {
    expect(parseTrackerMessage('{"action":"scrape","info_hash":"a"}')).toEqual({
      ok: true,
      request: { action: 'scrape', infoHashes: ['a'] },
    });
    expect(parseTrackerMessage('{"action":"scrape","info_hash":["a","b"]}')).toEqual({
      ok: true,
      request: { action: 'scrape', infoHashes: ['a', 'b'] },
    });
    expect(parseTrackerMessage('{"action":"scrape"}')).toEqual({ ok: true, request: { action: 'scrape', infoHashes: null } });
  });
});

describe('frames the tracker sends', () => {
  it('uses the protocol field names', () => {
    expect(announceResponse('h', { complete: 1, incomplete: 2 })).toEqual({
      action: 'announce',
      interval: 120,
      info_hash: 'h',
      complete: 1,
      incomplete: 2,
    });
    expect(relayedOffer('h', 'p', 'o', offer)).toEqual({ action: 'announce', offer, offer_id: 'o', peer_id: 'p', info_hash: 'h' });
    expect(relayedAnswer('h', 'p', 'o', offer)).toEqual({ action: 'announce', answer: offer, offer_id: 'o', peer_id: 'p', info_hash: 'h' });
    expect(failure('nope')).toEqual({ 'failure reason': 'nope' });
    expect(failure('nope', { action: 'announce', infoHash: 'h' })).toEqual({
      'failure reason': 'nope',
      action: 'announce',
      info_hash: 'h',
    });
  });
});
