import { describe, expect, it } from 'vitest';
import { sameOriginPath } from '../../src/domain/redirects';

const ORIGIN = 'https://vibestream.example';

describe('where to go after signing in', () => {
  it('follows a path on this site, with its query and fragment', () => {
    expect(sameOriginPath('/watch/vid_abc?t=10#top', ORIGIN)).toBe('/watch/vid_abc?t=10#top');
    expect(sameOriginPath('/upload/', ORIGIN)).toBe('/upload/');
  });

  it('refuses every way of naming another host, as the browser would parse it', () => {
    for (const next of [
      '//evil.example',
      '/\t/evil.example',
      '/\r\n/evil.example',
      '/\\evil.example',
      '\\/evil.example',
      'https://evil.example/',
      'javascript:alert(1)',
      ' //evil.example',
      `${ORIGIN}.evil.example/`,
    ]) {
      expect(sameOriginPath(next, ORIGIN), JSON.stringify(next)).toBe('/');
    }
  });

  it('never returns a path the browser would read as another host', () => {
    expect(sameOriginPath('/.//evil.example', ORIGIN)).toBe('/evil.example');
    expect(sameOriginPath('/%2F/evil.example', ORIGIN).startsWith('//')).toBe(false);
  });

  it('falls back to home without a parameter', () => {
    expect(sameOriginPath(null, ORIGIN)).toBe('/');
    expect(sameOriginPath('', ORIGIN)).toBe('/');
  });
});
