import { describe, expect, it } from 'vitest';
import { canEdit, canView, toFtsQuery } from '../../src/domain/catalog';
import { roleAtLeast } from '../../src/domain/roles';

describe('catalog rules', () => {
  const video = { creatorId: 'usr_owner', visibility: 'private' as const };

  it('shows private videos only to their creator and admins', () => {
    expect(canView(video, undefined)).toBe(false);
    expect(canView(video, { userId: 'usr_other', role: 'creator' })).toBe(false);
    expect(canView(video, { userId: 'usr_owner', role: 'creator' })).toBe(true);
    expect(canView(video, { userId: 'usr_admin', role: 'admin' })).toBe(true);
    expect(canView({ ...video, visibility: 'unlisted' }, undefined)).toBe(true);
  });

  it('lets only the creator or an admin edit', () => {
    expect(canEdit(video, { userId: 'usr_owner', role: 'creator' })).toBe(true);
    expect(canEdit(video, { userId: 'usr_other', role: 'creator' })).toBe(false);
    expect(canEdit(video, { userId: 'usr_admin', role: 'admin' })).toBe(true);
  });

  it('orders roles', () => {
    expect(roleAtLeast('admin', 'creator')).toBe(true);
    expect(roleAtLeast('creator', 'admin')).toBe(false);
    expect(roleAtLeast('viewer', 'viewer')).toBe(true);
  });
});

describe('search query building', () => {
  it('quotes each word as a prefix term', () => {
    expect(toFtsQuery('WebRTC  edge')).toBe('"webrtc"* "edge"*');
  });

  it('neutralises FTS5 syntax', () => {
    expect(toFtsQuery('title:foo AND "bar')).toBe('"title"* "foo"* "and"* "bar"*');
    expect(toFtsQuery('NEAR(a b)')).toBe('"near"* "a"* "b"*');
  });

  it('keeps letters of any script and drops symbols', () => {
    expect(toFtsQuery('Café 東京 🙂')).toBe('"café"* "東京"*');
    expect(toFtsQuery('*** ()')).toBeNull();
  });

  it('bounds the number of terms', () => {
    expect(toFtsQuery(Array.from({ length: 20 }, (_, i) => `w${i}`).join(' '))?.split(' ')).toHaveLength(8);
  });
});
