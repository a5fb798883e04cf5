// Playlists of paid videos are served with the viewer's playback token written into every URI they list
// (`?pt=<token>`), so the player fetches variant playlists, init segments and media segments with exactly the
// URLs the playlist names. The P2P loader identifies segments by those playlist URLs (and its swarm by the
// token-free swarmId the player sets), so no request hook has to add the token behind its back.
//
// RFC 8216 §4.1: a line is a URI, a tag (`#EXT…`), a comment (`#…`) or blank. URIs also appear as the quoted
// `URI="…"` attribute of EXT-X-MAP, EXT-X-MEDIA, EXT-X-I-FRAME-STREAM-INF, EXT-X-KEY and EXT-X-SESSION-KEY.

/** `uri` with `pt=<token>` set (replacing any `pt` already there), keeping relative URIs relative. */
export function withTokenQuery(uri: string, token: string): string {
  const hashAt = uri.indexOf('#');
  const fragment = hashAt >= 0 ? uri.slice(hashAt) : '';
  const withoutFragment = hashAt >= 0 ? uri.slice(0, hashAt) : uri;
  const queryAt = withoutFragment.indexOf('?');
  const path = queryAt >= 0 ? withoutFragment.slice(0, queryAt) : withoutFragment;
  const kept = (queryAt >= 0 ? withoutFragment.slice(queryAt + 1) : '').split('&').filter((part) => part !== '' && !/^pt(=|$)/.test(part));
  return `${path}?${[...kept, `pt=${encodeURIComponent(token)}`].join('&')}${fragment}`;
}

const URI_ATTRIBUTE = /URI="([^"]*)"/g;

/** The playlist text with the token on every URI line and every `URI="…"` attribute; everything else unchanged. */
export function addTokenToPlaylist(playlist: string, token: string): string {
  return playlist
    .split('\n')
    .map((line) => {
      const trimmed = line.trim();
      if (trimmed === '') return line;
      if (trimmed.startsWith('#')) {
        return trimmed.startsWith('#EXT')
          ? line.replace(URI_ATTRIBUTE, (_all, uri: string) => `URI="${withTokenQuery(uri, token)}"`)
          : line;
      }
      const carriageReturn = line.endsWith('\r') ? '\r' : '';
      return `${withTokenQuery(trimmed, token)}${carriageReturn}`;
    })
    .join('\n');
}
