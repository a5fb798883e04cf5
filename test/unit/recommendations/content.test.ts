import { describe, expect, it } from 'vitest';
import { buildTfIdf, contentNeighbours, contentTerms, cosine, rankByContent, words } from '../../../src/domain/recommendations/content';

const video = (id: string, title: string, tags: string[], creatorId: string, description = '') => ({
  id,
  title,
  description,
  tags,
  language: 'en',
  creatorId,
});

const a = video('a', 'Jazz piano', ['jazz'], 'u1');
const b = video('b', 'Jazz guitar', ['jazz'], 'u2');
const c = video('c', 'Cooking pasta', ['food'], 'u3');

describe('content-based TF-IDF', () => {
  it('tokenises without stopwords and namespaces the fields', () => {
    expect(words('The Art of Jazz, in 4K!')).toEqual(['art', 'jazz', '4k']);
    expect(Object.fromEntries(contentTerms(video('x', 'Jazz jazz', ['Live'], 'u9', 'jazz')))).toEqual({
      'w:jazz': 3 + 3 + 1,
      'tag:live': 4,
      'lang:en': 1,
      'by:u9': 2,
    });
  });

  it('matches the hand-computed cosine of two videos sharing a word, a tag and the language', () => {
    const model = buildTfIdf([a, b, c]);
    // TF 1+ln(weight), IDF ln((1+3)/(1+df))+1. a: jazz (1+ln3)(ln(4/3)+1), piano (1+ln3)(ln2+1),
    // tag:jazz (1+ln4)(ln(4/3)+1), lang:en 1·1, by:u1 (1+ln2)(ln2+1); b is the same with guitar for piano.
    const idf = (df: number) => Math.log(4 / (1 + df)) + 1;
    const jazz = (1 + Math.log(3)) * idf(2);
    const piano = (1 + Math.log(3)) * idf(1);
    const tag = (1 + Math.log(4)) * idf(2);
    const by = (1 + Math.log(2)) * idf(1);
    const normSquared = jazz ** 2 + piano ** 2 + tag ** 2 + 1 + by ** 2;
    const expected = (jazz ** 2 + tag ** 2 + 1) / normSquared;
    expect(cosine(model.vectors[0] as Map<string, number>, model.vectors[1] as Map<string, number>)).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(0.46, 2);
  });

  it('lists the most similar videos first and drops near-zero matches', () => {
    const lists = contentNeighbours(buildTfIdf([a, b, c, video('d', 'Jazz piano trio', ['jazz', 'piano'], 'u1')]));
    expect(lists.get('a')?.map((n) => n.id)).toEqual(['d', 'b']);
    expect(lists.get('c')).toEqual([]);
  });

  it('ranks candidates for a new video on the fly', () => {
    const ranked = rankByContent(video('new', 'Late night jazz', ['jazz'], 'u7'), [c, b, a], 5);
    expect(
      ranked
        .map((n) => n.id)
        .slice(0, 2)
        .sort(),
    ).toEqual(['a', 'b']);
    expect(ranked.at(-1)?.id).toBe('c');
  });
});
