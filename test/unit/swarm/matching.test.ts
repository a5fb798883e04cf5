import { describe, expect, it } from 'vitest';
import { type MatchCandidate, selectOfferRecipients } from '../../../src/domain/swarm/matching';

const peer = (peerId: string, colo: string | null, country: string | null, uploadedBytes = 0): MatchCandidate => ({
  peerId,
  colo,
  country,
  uploadedBytes,
});
const never = () => false;
const request = { peerId: 'me', colo: 'FRA', country: 'DE', count: 10 };

describe('selectOfferRecipients', () => {
  it('prefers the same colo, then the same country, then anyone', () => {
    const candidates = [peer('far', 'IAD', 'US'), peer('country', 'MUC', 'DE'), peer('colo', 'FRA', 'DE')];
    expect(selectOfferRecipients(request, candidates, never).map((p) => p.peerId)).toEqual(['colo', 'country', 'far']);
  });

  it('orders a tier by bytes uploaded, most first', () => {
    const candidates = [peer('small', 'FRA', 'DE', 10), peer('big', 'FRA', 'DE', 5_000_000), peer('mid', 'FRA', 'DE', 4_000)];
    expect(selectOfferRecipients(request, candidates, never).map((p) => p.peerId)).toEqual(['big', 'mid', 'small']);
  });

  it('ranks proximity above upload history', () => {
    const candidates = [peer('far-uploader', 'IAD', 'US', 1e9), peer('near-idle', 'FRA', 'DE', 0)];
    expect(selectOfferRecipients(request, candidates, never).map((p) => p.peerId)).toEqual(['near-idle', 'far-uploader']);
  });

  it('never matches the requester itself or a blocked peer, and returns at most count', () => {
    const candidates = [peer('me', 'FRA', 'DE'), peer('bad', 'FRA', 'DE', 1e9), peer('a', 'FRA', 'DE'), peer('b', 'IAD', 'US')];
    const blocked = (id: string) => id === 'bad';
    expect(selectOfferRecipients({ ...request, count: 1 }, candidates, blocked).map((p) => p.peerId)).toEqual(['a']);
    expect(selectOfferRecipients(request, candidates, blocked).map((p) => p.peerId)).toEqual(['a', 'b']);
  });

  it('gives a blocked requester nobody', () => {
    expect(selectOfferRecipients(request, [peer('a', 'FRA', 'DE')], (id) => id === 'me')).toEqual([]);
  });

  it('breaks ties with the random source, so equal peers share the offers', () => {
    const candidates = [peer('x', null, null), peer('y', null, null)];
    const values = [0.9, 0.1];
    expect(selectOfferRecipients({ ...request, count: 1 }, candidates, never, () => values.shift() ?? 0)[0]?.peerId).toBe('y');
  });

  it('does not treat two unknown colos as the same place', () => {
    const candidates = [peer('unknown', null, null, 1e9), peer('same-country', 'MUC', 'DE')];
    expect(selectOfferRecipients({ peerId: 'me', colo: null, country: 'DE', count: 2 }, candidates, never).map((p) => p.peerId)).toEqual([
      'same-country',
      'unknown',
    ]);
  });
});
