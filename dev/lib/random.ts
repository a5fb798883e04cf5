// A small seeded PRNG so demo data is the same on every run (same ids, titles, interactions).
// mulberry32 (Tommy Ettinger, public domain): 32-bit state, full period 2^32, plenty for a few hundred rows.
// Not for anything secret — real ids come from crypto.getRandomValues in src/domain/ids.ts.

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  /** Index chosen with probability proportional to its weight. */
  weightedIndex(weights: readonly number[]): number;
  chance(probability: number): boolean;
}

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    weightedIndex: (weights) => {
      const total = weights.reduce((sum, weight) => sum + weight, 0);
      let target = next() * total;
      for (let i = 0; i < weights.length; i++) {
        target -= weights[i] ?? 0;
        if (target < 0) return i;
      }
      return weights.length - 1;
    },
    chance: (probability) => next() < probability,
  };
  return rng;
}

// Same alphabet and length as src/domain/ids.ts so seeded ids look like, and sort among, real ones.
const ID_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const ID_LENGTH = 24;

export function seededId(rng: Rng, prefix: 'usr' | 'vid'): string {
  let token = '';
  for (let i = 0; i < ID_LENGTH; i++) token += ID_ALPHABET[Math.floor(rng.next() * ID_ALPHABET.length)];
  return `${prefix}_${token}`;
}
