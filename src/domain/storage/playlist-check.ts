// Playlists are stored as uploaded, so before one is accepted every URI it names must be a file of the
// package: a media playlist's segments and init section (EXT-X-MAP:URI), a master playlist's variant
// playlists. A playlist pointing at a file nobody uploaded would publish a video that stalls mid-way.
// URIs are relative to the playlist (RFC 8216 §4.1); absolute URLs are refused, the package is self-contained.

/** The URIs a playlist references: non-tag, non-empty lines, and URI="…" attributes of tags. */
export function playlistUris(text: string): string[] {
  const uris: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      for (const match of line.matchAll(/URI="([^"]*)"/g)) uris.push(match[1] as string);
      continue;
    }
    uris.push(line);
  }
  return uris;
}

/** Joins a URI to the directory of the playlist; undefined when it leaves the package or is absolute. */
export function resolveAgainst(playlistPath: string, uri: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(uri) || uri.startsWith('/')) return undefined;
  const parts = playlistPath.split('/').slice(0, -1);
  for (const part of uri.split('?')[0]?.split('/') ?? []) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
      continue;
    }
    parts.push(part);
  }
  return parts.join('/');
}

/** URIs of the playlist that are not files of the package (as written in the playlist). */
export function missingReferences(playlistPath: string, text: string, packagePaths: ReadonlySet<string>): string[] {
  return playlistUris(text).filter((uri) => {
    const resolved = resolveAgainst(playlistPath, uri);
    return resolved === undefined || !packagePaths.has(resolved);
  });
}
