// Prefixed random ids ("usr_…", "vid_…"): the prefix tells a reader what an id points to, the 120 random
// bits make collisions and guessing practically impossible.
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789'; // 32 symbols, no look-alikes (0/o, 1/l)

export function randomToken(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte & 31];
  return out;
}

/** A video id as the API accepts it: "vid_" and 6 to 40 of lowercase letters and digits (ids made here use 24). */
export const VIDEO_ID_PATTERN = /^vid_[a-z0-9]{6,40}$/;

export type IdPrefix = 'usr' | 'vid' | 'rtk' | 'fam' | 'key' | 'evt' | 'ses' | 'peer' | 'upl';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomToken(24)}`;
}
