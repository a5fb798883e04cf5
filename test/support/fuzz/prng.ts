// A small seeded PRNG (mulberry32): the same seed yields the same requests, so a failing fuzz run is replayed
// exactly by setting FUZZ_SEED. Not for anything cryptographic.

export class Rng {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }

  /** Lowercase letters and digits, as ids use. */
  word(length: number, alphabet = 'abcdefghijkmnpqrstuvwxyz23456789'): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }
}

/** A fresh seed when none is given; printed by the test so the run can be repeated. */
export function seedFrom(value: string | undefined): number {
  if (value && /^\d+$/.test(value)) return Number(value) >>> 0;
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}
