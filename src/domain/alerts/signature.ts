// Signing of alert webhooks, after Stripe's scheme (https://docs.stripe.com/webhooks#verify-manually):
//   X-VibeStream-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
// The timestamp is inside the signed string, so a captured request cannot be replayed later with a fresh `t`;
// receivers reject signatures older than their tolerance (5 minutes is Stripe's default).
// WebCrypto's HMAC is used directly: it is what every runtime (Workers, Node, browsers) ships, no library needed.

export const SIGNATURE_HEADER = 'X-VibeStream-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

const encoder = new TextEncoder();

async function hmacKey(secret: string, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}

const toHex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');

function fromHex(hex: string): Uint8Array<ArrayBuffer> | null {
  if (!/^(?:[0-9a-f]{2})+$/i.test(hex)) return null;
  const bytes = new Uint8Array(new ArrayBuffer(hex.length / 2));
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

export async function signPayload(rawBody: string, secret: string, timestampSeconds: number): Promise<string> {
  const mac = await crypto.subtle.sign('HMAC', await hmacKey(secret, 'sign'), encoder.encode(`${timestampSeconds}.${rawBody}`));
  return `t=${timestampSeconds},v1=${toHex(mac)}`;
}

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: 'malformed' | 'mismatch' | 'expired' };

/** Verifies a signature header against the raw body (what a receiver does; used by our tests). */
export async function verifySignature(
  header: string,
  rawBody: string,
  secret: string,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): Promise<SignatureCheck> {
  const fields = new Map<string, string[]>();
  for (const part of header.split(',')) {
    const [key, value] = part.split('=', 2).map((s) => s.trim());
    if (!key || !value) return { ok: false, reason: 'malformed' };
    fields.set(key, [...(fields.get(key) ?? []), value]);
  }
  const timestamp = Number(fields.get('t')?.[0]);
  const candidates = fields.get('v1') ?? [];
  if (!Number.isInteger(timestamp) || candidates.length === 0) return { ok: false, reason: 'malformed' };
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return { ok: false, reason: 'expired' };
  const key = await hmacKey(secret, 'verify');
  const signed = encoder.encode(`${timestamp}.${rawBody}`);
  for (const candidate of candidates) {
    const mac = fromHex(candidate);
    // crypto.subtle.verify compares in constant time.
    if (mac && (await crypto.subtle.verify('HMAC', key, mac, signed))) return { ok: true, timestamp };
  }
  return { ok: false, reason: 'mismatch' };
}
