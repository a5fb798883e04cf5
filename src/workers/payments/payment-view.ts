// How a payment looks to the API, and how a provider failure is answered: shared by the checkout and payment routes
// (a route never imports another route).
import { z } from '@hono/zod-openapi';
import type { PaymentRow } from '../../adapters/db/payments-repo';
import { ProviderError } from '../../adapters/payments/provider';
import { PROVIDERS } from '../../domain/payments/types';
import { ApiError } from '../errors';

export const PaymentSchema = z
  .object({
    id: z.string(),
    provider: z.enum(PROVIDERS),
    state: z.string(),
    itemKind: z.string(),
    videoId: z.string().nullable(),
    creatorId: z.string(),
    amount: z.number().int(),
    currency: z.string(),
    refundedTotal: z.number().int(),
    checkoutUrl: z.string().nullable(),
    providerRef: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Payment');

export function toPaymentView(row: PaymentRow) {
  return {
    id: row.id,
    provider: row.provider,
    state: row.state,
    itemKind: row.itemKind,
    videoId: row.videoId,
    creatorId: row.creatorId,
    amount: row.amount,
    currency: row.currency,
    refundedTotal: row.refundedTotal,
    checkoutUrl: row.checkoutUrl,
    providerRef: row.providerRef,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}

export function upstreamError(error: unknown): unknown {
  if (!(error instanceof ProviderError)) return error;
  // What the provider cannot do at all (e.g. refunds on Coinbase Commerce) is a conflict, not an outage.
  if (error.status === 409) return new ApiError(409, error.code, error.message);
  console.error(
    JSON.stringify({ level: 'error', msg: 'payment provider failed', provider: error.provider, status: error.status, code: error.code }),
  );
  // The provider's own message is not echoed: it may name account details.
  return new ApiError(502, 'upstream_error', `${error.provider} did not accept the request (${error.status || 'no answer'})`, {
    provider: error.provider,
    providerStatus: error.status,
  });
}
