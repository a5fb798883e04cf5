// Wire types of the studio's own API route, inferred from the server's zod schemas so the page and the route
// cannot drift apart (src/workers/studio-schemas.ts).
import type { z } from 'zod';
import type { VideoStatsListSchema, VideoStatsSchema } from '../../../src/workers/studio-schemas';

export type VideoStats = z.infer<typeof VideoStatsSchema>;
export type VideoStatsList = z.infer<typeof VideoStatsListSchema>;
export type VideoPrices = VideoStats['prices'];
