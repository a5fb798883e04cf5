// The one sentence a viewer sees under a recommendation. Titles of seed videos come from the catalog; a seed
// the catalog no longer lists is not named.
import type { Reason } from './hybrid';

export function explanationText(reason: Reason, titleOf: (videoId: string) => string | undefined): string {
  switch (reason.kind) {
    case 'because_you_watched': {
      const title = titleOf(reason.videoId);
      return title ? `Because you watched “${title}”` : 'Based on what you watched';
    }
    case 'similar_to_current': {
      const title = titleOf(reason.videoId);
      return title ? `More like “${title}”` : 'More like this';
    }
    case 'popular_near_you':
      return 'Popular near you';
    case 'trending':
      return 'Trending now';
  }
}

/** The videos an explanation names (their titles must be fetched with the candidates). */
export function reasonVideoId(reason: Reason): string | null {
  return reason.kind === 'because_you_watched' || reason.kind === 'similar_to_current' ? reason.videoId : null;
}
