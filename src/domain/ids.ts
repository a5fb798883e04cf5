// Prefixed random ids ("usr_…", "vid_…"): the prefix tells a reader what an id points to, the 120 random
// bits make collisions and guessing practically impossible.
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789'; // 32 symbols, no look-alikes (0/o, 1/l)

export function randomToken(length: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte & 31];
  return out;
}

export type IdPrefix = 'usr' | 'vid' | 'rtk' | 'fam' | 'key' | 'evt' | 'ses' | 'peer' | 'upl';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${randomToken(24)}`;
}
