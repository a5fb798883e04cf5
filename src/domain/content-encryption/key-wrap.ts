// A video's content key at rest (table video_keys): wrapped with AES-GCM under a key derived (HKDF-SHA-256)
// from the deployment's CONTENT_KEY_SECRET, with the video id as additional data so a wrapped key copied onto
// another video's row does not unwrap. The raw key exists only in memory while it is issued or served.
import { CONTENT_KEY_BYTES } from './segment-cipher';

const GCM_IV_BYTES = 12;
const HKDF_SALT = new TextEncoder().encode('vibestream content-key wrapping');
const HKDF_INFO = new TextEncoder().encode('video_keys.wrapped_key v1');

export class ContentKeyUnwrapError extends Error {
  override name = 'ContentKeyUnwrapError';
}

export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new RangeError('not base64url');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

async function wrappingKey(secret: string): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: HKDF_SALT, info: HKDF_INFO },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/** A fresh random AES-128 content key. */
export function generateContentKey(): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(CONTENT_KEY_BYTES));
}

/** base64url(IV ‖ AES-GCM ciphertext with tag). */
export async function wrapContentKey(secret: string, videoId: string, key: Uint8Array): Promise<string> {
  if (key.byteLength !== CONTENT_KEY_BYTES) throw new RangeError(`a content key has ${CONTENT_KEY_BYTES} bytes`);
  const iv = crypto.getRandomValues(new Uint8Array(GCM_IV_BYTES));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(videoId) },
    await wrappingKey(secret),
    key as Uint8Array<ArrayBuffer>,
  );
  const out = new Uint8Array(GCM_IV_BYTES + sealed.byteLength);
  out.set(iv);
  out.set(new Uint8Array(sealed), GCM_IV_BYTES);
  return toBase64Url(out);
}

/** The raw content key; ContentKeyUnwrapError when the secret, the video id or the stored text do not match. */
export async function unwrapContentKey(secret: string, videoId: string, wrapped: string): Promise<Uint8Array<ArrayBuffer>> {
  try {
    const bytes = fromBase64Url(wrapped);
    const clear = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bytes.slice(0, GCM_IV_BYTES), additionalData: new TextEncoder().encode(videoId) },
      await wrappingKey(secret),
      bytes.slice(GCM_IV_BYTES),
    );
    const key = new Uint8Array(clear);
    if (key.byteLength !== CONTENT_KEY_BYTES) throw new ContentKeyUnwrapError('the unwrapped key has the wrong length');
    return key;
  } catch (error) {
    if (error instanceof ContentKeyUnwrapError) throw error;
    throw new ContentKeyUnwrapError('the stored content key does not unwrap with this secret for this video');
  }
}
