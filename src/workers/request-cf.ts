// What the Worker reads of Cloudflare's `request.cf`, in one place. Nothing in it is trusted to have a shape: locally
// (`wrangler dev`, miniflare) it is a canned object a client can even replace, so every field is checked before use.

/** Whether Cloudflare's edge handled the request (`request.cf` is set): only then are its CF-* headers its own. */
export function servedByEdge(request: Request): boolean {
  return Boolean(request.cf);
}

/** Where the edge saw the request come from. */
export interface EdgeLocation {
  /** The Cloudflare data centre (an IATA code), cut to 8 characters; null when not given. */
  colo: string | null;
  /** The country code as Cloudflare sends it, cut to 2 characters: also its non-ISO "T1" (Tor) and "XX" (unknown). */
  countryCode: string | null;
  /** The country when it has the ISO 3166 alpha-2 shape (two capitals), for per-country figures; null otherwise. */
  country: string | null;
}

export function edgeLocationOf(request: Request): EdgeLocation {
  const cf = request.cf as { colo?: unknown; country?: unknown } | undefined;
  const colo = typeof cf?.colo === 'string' ? cf.colo.slice(0, 8) : null;
  const country = typeof cf?.country === 'string' ? cf.country : null;
  return {
    colo,
    countryCode: country === null ? null : country.slice(0, 2),
    country: country !== null && /^[A-Z]{2}$/.test(country) ? country : null,
  };
}
