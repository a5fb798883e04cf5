// Item-item collaborative neighbours over implicit feedback (Sarwar et al., "Item-Based Collaborative
// Filtering Recommendation Algorithms", WWW 2001; Deshpande & Karypis, "Item-Based Top-N Recommendation
// Algorithms", TOIS 2004): two videos are alike when the same viewers care about both.
//
//   sim(i, j) = Σ_u w_ui·w_uj / (‖w_i‖·‖w_j‖) · n_ij / (n_ij + shrinkage)
//
// w_ui is the signal weight (signals.ts), n_ij the number of viewers of both. The shrinkage term
// (Koren, "Factor in the Neighbors", TKDD 2010) damps similarities resting on one or two shared viewers.
// Computed off the request path (hourly cron, eval harness); only the top k per video are kept.
import { type Scored, TopK } from './top-k';

export interface WeightedInteraction {
  userId: string;
  itemId: string;
  weight: number;
}

export interface ItemKnnOptions {
  /** Neighbours kept per item. */
  k?: number;
  shrinkage?: number;
  /** Neighbours below this similarity are dropped. */
  minSimilarity?: number;
}

export type NeighbourLists = Map<string, Scored[]>;

export function itemNeighbours(interactions: Iterable<WeightedInteraction>, options: ItemKnnOptions = {}): NeighbourLists {
  const k = options.k ?? 30;
  const shrinkage = options.shrinkage ?? 50;
  const minSimilarity = options.minSimilarity ?? 1e-9;

  // Dense integer indices and adjacency lists in both directions; typed arrays keep the inner loop cheap.
  const itemIndex = new Map<string, number>();
  const itemIds: string[] = [];
  const userIndex = new Map<string, number>();
  const userItems: { item: number[]; weight: number[] }[] = [];
  const itemUsers: { user: number[]; weight: number[] }[] = [];
  for (const { userId, itemId, weight } of interactions) {
    if (!(weight > 0)) continue;
    let item = itemIndex.get(itemId);
    if (item === undefined) {
      item = itemIds.length;
      itemIndex.set(itemId, item);
      itemIds.push(itemId);
      itemUsers.push({ user: [], weight: [] });
    }
    let user = userIndex.get(userId);
    if (user === undefined) {
      user = userItems.length;
      userIndex.set(userId, user);
      userItems.push({ item: [], weight: [] });
    }
    userItems[user]?.item.push(item);
    userItems[user]?.weight.push(weight);
    itemUsers[item]?.user.push(user);
    itemUsers[item]?.weight.push(weight);
  }

  const items = itemIds.length;
  const norm = new Float64Array(items);
  for (let i = 0; i < items; i++) {
    const weights = (itemUsers[i] as { weight: number[] }).weight;
    let sum = 0;
    for (const w of weights) sum += w * w;
    norm[i] = Math.sqrt(sum);
  }

  const dot = new Float64Array(items);
  const together = new Int32Array(items);
  const touched: number[] = [];
  const result: NeighbourLists = new Map();
  for (let i = 0; i < items; i++) {
    const viewers = itemUsers[i] as { user: number[]; weight: number[] };
    for (let a = 0; a < viewers.user.length; a++) {
      const wi = viewers.weight[a] as number;
      const their = userItems[viewers.user[a] as number] as { item: number[]; weight: number[] };
      for (let b = 0; b < their.item.length; b++) {
        const j = their.item[b] as number;
        if (j === i) continue;
        if (together[j] === 0) touched.push(j);
        together[j] = (together[j] as number) + 1;
        dot[j] = (dot[j] as number) + wi * (their.weight[b] as number);
      }
    }
    const best = new TopK(k);
    for (const j of touched) {
      const shared = together[j] as number;
      const similarity = ((dot[j] as number) / ((norm[i] as number) * (norm[j] as number))) * (shared / (shared + shrinkage));
      if (similarity >= minSimilarity) best.push(itemIds[j] as string, similarity);
      dot[j] = 0;
      together[j] = 0;
    }
    touched.length = 0;
    result.set(itemIds[i] as string, best.sorted());
  }
  return result;
}
