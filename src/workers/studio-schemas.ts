// Wire models of the creator studio's routes (routes/studio.ts). Kept apart from the route so the web app can
// import them as types (`z.infer`) without pulling in Worker bindings.
import { z } from '@hono/zod-openapi';

const Price = z.object({
  amount: z.number().int().openapi({ description: 'Minor units of the currency (199 = 1.99)' }),
  currency: z.string(),
});

export const VideoStatsSchema = z
  .object({
    videoId: z.string(),
    views: z.number().int().openapi({ description: 'Every recorded view by a signed-in viewer (repeat views count)' }),
    revenue: z.array(z.object({ currency: z.string(), revenueCents: z.number().int() })).openapi({
      description:
        "The creator's earnings per currency, in minor units: their share of every sale less their part of refunds and " +
        'chargebacks. Processing fees are borne by the platform, so this is already net of fees. Empty: nothing sold yet.',
    }),
    prices: z.object({
      purchase: Price.nullable(),
      rental: Price.extend({
        rentalHours: z.number().int().nullable().openapi({ description: 'null: priced before rental hours were stored' }),
      }).nullable(),
    }),
  })
  .openapi('VideoStats');

export const VideoStatsListSchema = z.object({ items: z.array(VideoStatsSchema) }).openapi('VideoStatsList');
