// Webhook signature checks that no SDK does for us on Workers, written with WebCrypto only.
// (Stripe's is done by stripe.webhooks.constructEventAsync in the adapter.)
import { constantTimeEqual } from '../password';

const encoder = new TextEncoder();

function hexToBytes(hex: string): Uint8Array | null {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export async function hmacSha256Hex(secret: string, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(body)));
  return [...mac].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * Coinbase Commerce: `X-CC-Webhook-Signature` is the hex HMAC-SHA256 of the raw body under the endpoint's shared
 * secret (Coinbase Commerce docs, "Securing webhooks"). Compared in constant time.
 */
export async function verifyCoinbaseSignature(rawBody: string, signature: string | null | undefined, secret: string): Promise<boolean> {
  const presented = hexToBytes((signature ?? '').trim());
  if (!presented) return false;
  const expected = hexToBytes(await hmacSha256Hex(secret, rawBody)) as Uint8Array;
  return constantTimeEqual(presented, expected);
}

// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as PayPal uses in its webhook signature input.
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * PayPal signs `<transmission id>|<transmission time>|<webhook id>|<CRC32 of the raw body, unsigned decimal>`
 * with SHA256withRSA (PayPal REST docs, "Verify webhook signature", offline verification).
 */
export function paypalSignedMessage(transmissionId: string, transmissionTime: string, webhookId: string, rawBody: string): string {
  return `${transmissionId}|${transmissionTime}|${webhookId}|${crc32(encoder.encode(rawBody))}`;
}

/** DER of a PEM certificate's first block. */
export function pemToDer(pem: string): Uint8Array {
  const match = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem);
  if (!match) throw new Error('not a PEM certificate');
  const binary = atob((match[1] as string).replace(/\s+/g, ''));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

interface Tlv {
  tag: number;
  start: number; // first byte of the TLV
  contentStart: number;
  end: number; // one past the last byte
}

function readTlv(der: Uint8Array, offset: number): Tlv {
  const tag = der[offset];
  let length = der[offset + 1];
  if (tag === undefined || length === undefined) throw new Error('truncated DER');
  let contentStart = offset + 2;
  if (length & 0x80) {
    const octets = length & 0x7f;
    if (octets < 1 || octets > 4) throw new Error('unsupported DER length');
    length = 0;
    for (let i = 0; i < octets; i += 1) length = length * 256 + (der[contentStart + i] as number);
    contentStart += octets;
  }
  const end = contentStart + length;
  if (end > der.length) throw new Error('truncated DER');
  return { tag, start: offset, contentStart, end };
}

/**
 * The SubjectPublicKeyInfo of an X.509 certificate (RFC 5280 §4.1): WebCrypto imports keys, not certificates,
 * so we walk Certificate → tbsCertificate → [version], serial, signature, issuer, validity, subject, SPKI.
 * Also returns notAfter so an expired certificate is refused.
 */
export function certificatePublicKey(der: Uint8Array): { spki: Uint8Array; notAfter: number } {
  const certificate = readTlv(der, 0);
  const tbs = readTlv(der, certificate.contentStart);
  let cursor = tbs.contentStart;
  const fields: Tlv[] = [];
  while (cursor < tbs.end && fields.length < 8) {
    const field = readTlv(der, cursor);
    fields.push(field);
    cursor = field.end;
  }
  const skip = fields[0]?.tag === 0xa0 ? 1 : 0; // explicit [0] version
  const validity = fields[skip + 3];
  const spki = fields[skip + 5];
  if (!validity || !spki || spki.tag !== 0x30) throw new Error('certificate has no public key');
  const notBefore = readTlv(der, validity.contentStart);
  const notAfterTlv = readTlv(der, notBefore.end);
  return {
    spki: der.slice(spki.start, spki.end),
    notAfter: parseAsn1Time(der.slice(notAfterTlv.contentStart, notAfterTlv.end), notAfterTlv.tag),
  };
}

function parseAsn1Time(bytes: Uint8Array, tag: number): number {
  const text = new TextDecoder().decode(bytes);
  // UTCTime YYMMDDHHMMSSZ (years 1950–2049, RFC 5280 §4.1.2.5.1) or GeneralizedTime YYYYMMDDHHMMSSZ.
  const full = tag === 0x17 ? `${Number(text.slice(0, 2)) >= 50 ? '19' : '20'}${text}` : text;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(full);
  if (!m) throw new Error('unsupported certificate time');
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

export async function importPaypalCertificate(pem: string, now = Date.now()): Promise<CryptoKey> {
  const { spki, notAfter } = certificatePublicKey(pemToDer(pem));
  if (notAfter < now) throw new Error('certificate expired');
  return crypto.subtle.importKey('spki', new Uint8Array(spki), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['verify']);
}

export async function verifyPaypalSignature(key: CryptoKey, message: string, signatureBase64: string): Promise<boolean> {
  let signature: Uint8Array<ArrayBuffer>;
  try {
    signature = Uint8Array.from(atob(signatureBase64), (ch) => ch.charCodeAt(0));
  } catch {
    return false;
  }
  return crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, signature, encoder.encode(message));
}

/** PAYPAL-CERT-URL must be https on an allowed PayPal host, or anyone could sign with their own certificate. */
export function isAllowedCertUrl(url: string, allowedHosts: readonly string[]): boolean {
  try {
    const parsed = new URL(url);
    const local = parsed.hostname === '127.0.0.1' || parsed.hostname === 'localhost';
    return (parsed.protocol === 'https:' || (parsed.protocol === 'http:' && local)) && allowedHosts.includes(parsed.host);
  } catch {
    return false;
  }
}
