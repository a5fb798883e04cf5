// The k best of a stream of (id, score) pairs in O(n log k): a bounded min-heap whose root is the weakest kept
// entry. Used wherever a full sort of every candidate would cost more than the answer is worth.

export interface Scored {
  id: string;
  score: number;
}

export class TopK {
  private readonly ids: string[] = [];
  private readonly scores: number[] = [];

  constructor(private readonly k: number) {}

  get size(): number {
    return this.ids.length;
  }

  /** Offers one entry; ties keep the entry already held. */
  push(id: string, score: number): void {
    if (this.k <= 0) return;
    if (this.ids.length < this.k) {
      this.ids.push(id);
      this.scores.push(score);
      this.siftUp(this.ids.length - 1);
    } else if (score > (this.scores[0] as number)) {
      this.ids[0] = id;
      this.scores[0] = score;
      this.siftDown(0);
    }
  }

  /** Best first; ties by id so results are deterministic. */
  sorted(): Scored[] {
    return this.ids.map((id, i) => ({ id, score: this.scores[i] as number })).sort(byScoreThenId);
  }

  private less(a: number, b: number): boolean {
    const sa = this.scores[a] as number;
    const sb = this.scores[b] as number;
    return sa < sb || (sa === sb && (this.ids[a] as string) > (this.ids[b] as string));
  }

  private swap(a: number, b: number): void {
    [this.ids[a], this.ids[b]] = [this.ids[b] as string, this.ids[a] as string];
    [this.scores[a], this.scores[b]] = [this.scores[b] as number, this.scores[a] as number];
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < this.ids.length && this.less(left, smallest)) smallest = left;
      if (right < this.ids.length && this.less(right, smallest)) smallest = right;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }
}

export const byScoreThenId = (a: Scored, b: Scored) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** The k largest scores over dense integer ids (no allocation per push): the hot loops' version of TopK. */
export class TopKIndices {
  private readonly ids: Int32Array;
  private readonly scores: Float64Array;
  private count = 0;

  constructor(private readonly k: number) {
    this.ids = new Int32Array(Math.max(0, k));
    this.scores = new Float64Array(Math.max(0, k));
  }

  push(id: number, score: number): void {
    if (this.k <= 0) return;
    if (this.count < this.k) {
      let i = this.count++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if ((this.scores[parent] as number) <= score) break;
        this.ids[i] = this.ids[parent] as number;
        this.scores[i] = this.scores[parent] as number;
        i = parent;
      }
      this.ids[i] = id;
      this.scores[i] = score;
    } else if (score > (this.scores[0] as number)) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= this.count) break;
        const right = left + 1;
        const child = right < this.count && (this.scores[right] as number) < (this.scores[left] as number) ? right : left;
        if ((this.scores[child] as number) >= score) break;
        this.ids[i] = this.ids[child] as number;
        this.scores[i] = this.scores[child] as number;
        i = child;
      }
      this.ids[i] = id;
      this.scores[i] = score;
    }
  }

  /** The ids held, in no particular order. */
  members(): number[] {
    return Array.from(this.ids.subarray(0, this.count));
  }
}
