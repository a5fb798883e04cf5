// ICE server lists handed to browsers: the STUN servers we configure plus, when Cloudflare Realtime TURN is
// set up, the short-lived TURN credentials it issues. Pure functions only: parsing and checking server
// entries, merging the two lists, and the arithmetic of how long a cached credential may still be served.

/** The subset of the browser's RTCIceServer we produce (and accept from Realtime). */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

/** sign_in_required: an anonymous caller gets STUN only; TURN relays cost money and are for accounts. */
export type TurnStatus = 'ok' | 'not_configured' | 'unavailable' | 'sign_in_required';

export const DEFAULT_STUN_URLS = ['stun:stun.cloudflare.com:3478'];

/** What we ask Realtime for (its documented example value, 24 h). */
export const TURN_CREDENTIAL_TTL_SECONDS = 86_400;
/**
 * Served credentials stop being handed out this long before they expire, so a browser that receives them
 * last still has an hour to open its connection and refresh its TURN allocation with them.
 */
export const TURN_SAFETY_MARGIN_SECONDS = 3_600;
/** After a failed Realtime call, answer STUN-only for this long before trying again (no retry storm). */
export const TURN_FAILURE_BACKOFF_SECONDS = 30;
/** How long a STUN-only answer may be reused when TURN is simply not configured. */
export const STUN_ONLY_TTL_SECONDS = 3_600;

const URL_LIMIT = 512;
const STUN_URL = /^stuns?:[A-Za-z0-9.[\]:-]+(\?[A-Za-z0-9=&_-]*)?$/;
const TURN_URL = /^turns?:[A-Za-z0-9.[\]:-]+(\?[A-Za-z0-9=&_-]*)?$/;

export function isStunUrl(url: string): boolean {
  return url.length <= URL_LIMIT && STUN_URL.test(url);
}

export function isIceUrl(url: string): boolean {
  return url.length <= URL_LIMIT && (STUN_URL.test(url) || TURN_URL.test(url));
}

/** STUN_URLS: comma- or space-separated; anything that is not a stun:/stuns: URL is dropped. Empty → default. */
export function parseStunUrls(text: string | undefined): string[] {
  const urls = (text ?? '')
    .split(/[\s,]+/)
    .map((url) => url.trim())
    .filter((url) => url !== '' && isStunUrl(url));
  return urls.length > 0 ? [...new Set(urls)] : [...DEFAULT_STUN_URLS];
}

/**
 * Keeps only well-formed entries of an ICE server list we did not write ourselves (Realtime's answer):
 * each needs at least one stun/turn URL; TURN URLs need a username and credential (RFC 8489 long-term
 * credentials) or they are dropped, since a browser rejects the whole RTCPeerConnection config otherwise.
 */
export function sanitizeIceServers(input: unknown): IceServer[] {
  if (!Array.isArray(input)) return [];
  const servers: IceServer[] = [];
  for (const entry of input) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { urls, username, credential } = entry as Record<string, unknown>;
    const list = (Array.isArray(urls) ? urls : [urls]).filter((url): url is string => typeof url === 'string' && isIceUrl(url));
    const hasCredentials = typeof username === 'string' && username !== '' && typeof credential === 'string' && credential !== '';
    const usable = hasCredentials ? list : list.filter(isStunUrl);
    if (usable.length === 0) continue;
    servers.push(hasCredentials ? { urls: usable, username: username as string, credential: credential as string } : { urls: usable });
  }
  return servers;
}

/** Our STUN servers first, then the TURN entries; a URL already listed is not repeated (Realtime lists STUN too). */
export function mergeIceServers(stunUrls: string[], turnServers: IceServer[]): IceServer[] {
  const seen = new Set<string>();
  const unseen = (url: string) => {
    if (seen.has(url)) return false;
    seen.add(url);
    return true;
  };
  const merged: IceServer[] = [];
  const stun = stunUrls.filter(unseen);
  if (stun.length > 0) merged.push({ urls: stun });
  for (const server of turnServers) {
    const urls = (Array.isArray(server.urls) ? server.urls : [server.urls]).filter(unseen);
    if (urls.length === 0) continue;
    merged.push({ ...server, urls });
  }
  return merged;
}

/** Epoch ms until which credentials fetched at `fetchedAtMs` with `ttlSeconds` may still be handed out. */
export function credentialServeUntilMs(fetchedAtMs: number, ttlSeconds: number, marginSeconds = TURN_SAFETY_MARGIN_SECONDS): number {
  const servable = Math.max(0, ttlSeconds - marginSeconds);
  return fetchedAtMs + servable * 1000;
}

/** Whole seconds left until `untilMs` (0 once passed): the max-age and ttlSeconds of an answer. */
export function remainingSeconds(untilMs: number, nowMs: number): number {
  return Math.max(0, Math.floor((untilMs - nowMs) / 1000));
}
