// Where an outbound request made on a user's behalf (an alert webhook) may go. The Worker would otherwise POST to
// whatever URL an operator typed, including the cloud metadata service, the private network next to a self-hosted
// deployment, or the Kubo RPC port, whose API can pin, unpin and read any content.
//
// Hosts are read the way fetch() will read them: through WHATWG URL parsing, which already turns every IPv4
// notation (decimal `2130706433`, octal `0177.0.0.1`, hex `0x7f.1`, short `127.1`, percent-encoded digits, a
// trailing dot) into dotted quads and every IPv6 literal into its compressed hex form (`[::ffff:127.0.0.1]` is
// `[::ffff:7f00:1]`). Classifying that canonical form leaves no second notation to slip through.
//
// Not covered, and cannot be from here: a DNS name that resolves to a private address (`internal.example.com A
// 10.0.0.1`, DNS rebinding). A Worker has no resolver to ask before fetch() connects. On Cloudflare's network
// fetch() cannot reach a customer's private ranges anyway; a self-hosted workerd can, so put such a deployment
// behind an egress firewall. Pure: no I/O.

export type RefusedAddress =
  | 'invalid'
  | 'not-https'
  | 'credentials'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unspecified'
  | 'shared'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'metadata'
  | 'local-name'
  | 'ipfs-rpc';

export type TargetVerdict = { ok: true; url: URL } | { ok: false; reason: RefusedAddress };

export interface TargetPolicy {
  /** http://localhost and http://127.0.0.1 (any port) for local receivers: development and tests only. */
  allowLocalhostHttp: boolean;
  /** Origins never to call, e.g. the configured Kubo RPC endpoints (`http://kubo:5001`). Compared by host and port. */
  blockedOrigins: readonly string[];
}

/** What each refusal means, for error messages. */
export const REFUSAL_MESSAGES: Record<RefusedAddress, string> = {
  invalid: 'is not a valid URL',
  'not-https': 'must use https',
  credentials: 'must not carry a user name or password',
  loopback: 'points at this machine (loopback)',
  private: 'points into a private network',
  'link-local': 'points at a link-local address (this includes cloud metadata services)',
  unspecified: 'points at an unspecified address',
  shared: 'points into carrier-grade NAT space (100.64.0.0/10)',
  multicast: 'points at a multicast address',
  broadcast: 'points at the broadcast address',
  reserved: 'points at a reserved or documentation address',
  metadata: 'points at a cloud metadata service',
  'local-name': 'names a host that only exists on a local network',
  'ipfs-rpc': 'points at the IPFS node API',
};

export type Ipv4 = readonly [number, number, number, number];

/** A dotted quad as WHATWG URL serializes IPv4 hosts; null for anything else. */
export function parseIpv4(host: string): Ipv4 | null {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^(?:0|[1-9]\d{0,2})$/.test(part))) return null;
  const octets = parts.map(Number);
  return octets.every((octet) => octet <= 255) ? (octets as unknown as Ipv4) : null;
}

/** Eight 16-bit groups of an IPv6 literal (without brackets), embedded dotted IPv4 tail allowed; null if invalid. */
export function parseIpv6(literal: string): number[] | null {
  let text = literal.toLowerCase();
  if (text.includes('%')) return null; // a zone id (fe80::1%eth0) is not valid in a URL host
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (lastColon === -1) return null;
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parseIpv4(last);
    if (!v4) return null;
    tail.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    // Keep a `::` right before the IPv4 tail, drop a single separating `:`.
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const toGroups = (half: string) => (half === '' ? [] : half.split(':'));
  const head = toGroups(halves[0] ?? '');
  const rest = halves.length === 2 ? toGroups(halves[1] ?? '') : [];
  if (![...head, ...rest].every((group) => /^[0-9a-f]{1,4}$/.test(group))) return null;
  const explicit = head.length + rest.length + tail.length;
  if (halves.length === 1 ? explicit !== 8 : explicit > 7) return null;
  const zeros = new Array<number>(8 - explicit).fill(0);
  const groups = [
    ...head.map((g) => Number.parseInt(g, 16)),
    ...(halves.length === 2 ? zeros : []),
    ...rest.map((g) => Number.parseInt(g, 16)),
    ...tail,
  ];
  return groups.length === 8 ? groups : null;
}

const inV4 = (ip: Ipv4, base: Ipv4, prefix: number) => {
  const value = ((ip[0] << 24) | (ip[1] << 16) | (ip[2] << 8) | ip[3]) >>> 0;
  const network = ((base[0] << 24) | (base[1] << 16) | (base[2] << 8) | base[3]) >>> 0;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return (value & mask) === (network & mask);
};

// IANA IPv4 Special-Purpose Address Registry (RFC 6890 and updates): everything not globally reachable.
const V4_RANGES: [Ipv4, number, RefusedAddress][] = [
  [[0, 0, 0, 0], 8, 'unspecified'],
  [[10, 0, 0, 0], 8, 'private'],
  [[100, 64, 0, 0], 10, 'shared'],
  [[127, 0, 0, 0], 8, 'loopback'],
  [[169, 254, 0, 0], 16, 'link-local'],
  [[172, 16, 0, 0], 12, 'private'],
  [[192, 0, 0, 0], 24, 'reserved'],
  [[192, 0, 2, 0], 24, 'reserved'],
  [[192, 88, 99, 0], 24, 'reserved'],
  [[192, 168, 0, 0], 16, 'private'],
  [[198, 18, 0, 0], 15, 'reserved'],
  [[198, 51, 100, 0], 24, 'reserved'],
  [[203, 0, 113, 0], 24, 'reserved'],
  [[224, 0, 0, 0], 4, 'multicast'],
  [[255, 255, 255, 255], 32, 'broadcast'],
  [[240, 0, 0, 0], 4, 'reserved'],
];

export function classifyIpv4(ip: Ipv4): RefusedAddress | null {
  for (const [base, prefix, reason] of V4_RANGES) if (inV4(ip, base, prefix)) return reason;
  return null;
}

const v4Of = (high: number, low: number): Ipv4 => [high >> 8, high & 0xff, low >> 8, low & 0xff];

export function classifyIpv6(groups: readonly number[]): RefusedAddress | null {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups;
  const firstSixZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0;
  if (firstSixZero && g6 === 0 && g7 === 0) return 'unspecified';
  if (firstSixZero && g6 === 0 && g7 === 1) return 'loopback';
  // IPv4-compatible (::a.b.c.d, deprecated) and IPv4-mapped (::ffff:a.b.c.d): the stack talks to that IPv4 address.
  if (firstSixZero || (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff)) {
    return classifyIpv4(v4Of(g6, g7)) ?? (g5 === 0xffff ? null : 'reserved');
  }
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address a gateway would forward to.
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return classifyIpv4(v4Of(g6, g7));
  if (g0 === 0x2002) return classifyIpv4(v4Of(g1, g2));
  if ((g0 & 0xfe00) === 0xfc00) return 'private'; // fc00::/7 unique local (AWS metadata is fd00:ec2::254)
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local'; // fe80::/10
  if ((g0 & 0xffc0) === 0xfec0) return 'private'; // fec0::/10 site-local, deprecated
  if ((g0 & 0xff00) === 0xff00) return 'multicast'; // ff00::/8
  if (g0 === 0x100 && g1 === 0 && g2 === 0 && g3 === 0) return 'reserved'; // 100::/64 discard
  if (g0 === 0x2001 && g1 === 0xdb8) return 'reserved'; // documentation
  if (g0 === 0x2001 && g1 === 0) return 'reserved'; // Teredo: the IPv4 peer is hidden in the address
  return null;
}

// Names that only mean something inside one network, and the metadata services' names.
const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);
const LOCAL_SUFFIXES = ['.internal', '.local', '.localdomain', '.home.arpa', '.lan', '.intranet', '.corp'];

function classifyName(name: string): RefusedAddress | null {
  if (name === 'localhost' || name.endsWith('.localhost')) return 'loopback';
  if (METADATA_NAMES.has(name)) return 'metadata';
  // A single label (`kubo`, `router`) is resolved against the local search domain.
  if (!name.includes('.')) return 'local-name';
  if (LOCAL_SUFFIXES.some((suffix) => name.endsWith(suffix))) return 'local-name';
  return null;
}

/** The refusal for a URL host as WHATWG URL serializes it (`hostname`), or null when it is a public address/name. */
export function classifyHost(hostname: string): RefusedAddress | null {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host.startsWith('[') && host.endsWith(']')) {
    const groups = parseIpv6(host.slice(1, -1));
    return groups ? classifyIpv6(groups) : 'invalid';
  }
  const v4 = parseIpv4(host);
  if (v4) return classifyIpv4(v4);
  // URL turns every numeric IPv4 notation into a dotted quad; a numeric-looking name left over is not a host.
  if (/^[0-9.]+$/.test(host)) return 'invalid';
  return classifyName(host);
}

const defaultPort = (url: URL) => url.port || (url.protocol === 'https:' ? '443' : url.protocol === 'http:' ? '80' : '');

// Every name of this machine (localhost, 127.0.0.2, [::1]) is one host: the dev IPFS node answers on all of them.
const hostKey = (url: URL) => {
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  return classifyHost(host) === 'loopback' ? 'loopback' : host;
};

function sameHostAndPort(a: URL, b: URL): boolean {
  return hostKey(a) === hostKey(b) && defaultPort(a) === defaultPort(b);
}

/** May a webhook be POSTed to this URL? https to a public host; plain http to localhost only when the policy says so. */
export function checkOutboundUrl(raw: string, policy: TargetPolicy): TargetVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (url.username || url.password) return { ok: false, reason: 'credentials' };
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return { ok: false, reason: 'not-https' };
  for (const blocked of policy.blockedOrigins) {
    let origin: URL;
    try {
      origin = new URL(blocked);
    } catch {
      continue;
    }
    if (sameHostAndPort(url, origin)) return { ok: false, reason: 'ipfs-rpc' };
  }
  const host = url.hostname.toLowerCase();
  const isLocalhost = host === 'localhost' || host === '127.0.0.1';
  if (policy.allowLocalhostHttp && isLocalhost) return { ok: true, url };
  if (url.protocol !== 'https:') return { ok: false, reason: 'not-https' };
  const refusal = classifyHost(host);
  return refusal ? { ok: false, reason: refusal } : { ok: true, url };
}
