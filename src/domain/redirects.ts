// Where a page may send a user after signing in: a path on this site, never another host. Checked the way the
// browser will read it (WHATWG URL parsing: tab, CR and LF are stripped anywhere and "\" counts as "/"), since a
// string test on the raw parameter lets "/\t/evil.example" through, which the browser then reads as
// "//evil.example" — another host.

export function sameOriginPath(next: string | null | undefined, origin: string): string {
  if (!next) return '/';
  let url: URL;
  let base: URL;
  try {
    base = new URL(origin);
    url = new URL(next, base);
  } catch {
    return '/';
  }
  if (url.origin !== base.origin) return '/';
  // A path made of several leading slashes ("/.//evil.example" parses to the path "//evil.example" on this
  // origin) would again be read as another host when assigned: one slash only.
  return `${url.pathname.replace(/^\/+/, '/')}${url.search}${url.hash}`;
}
