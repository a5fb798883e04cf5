// `npm run dev`'s payment sandbox (dev/payment-sandbox): started in the dev script's own process before
// `wrangler dev`, on a free local port, so that checkout works on a fresh clone with no provider account and no
// network. The Worker is pointed at it through `--var` bindings: each provider's API root (STRIPE_API_URL,
// PAYPAL_API_URL, COINBASE_API_URL), PAYPAL_CERT_HOSTS (the sandbox serves PayPal's webhook certificate) and
// random test secrets made for this run.
//
// A deployed Worker never gets these values: `--var` exists only for `wrangler dev`, and wrangler.toml's [vars]
// name the providers' real APIs, with the real secrets set by `wrangler secret put`. `npm run dev --
// --no-payment-sandbox` leaves the Worker with whatever .dev.vars holds (e.g. keys for the providers' own sandboxes).
import { type PaymentSandbox, STRIPE_TEST_CARDS, startPaymentSandbox } from '../payment-sandbox/sandbox';

export interface DevPaymentSandbox {
  sandbox: PaymentSandbox;
  /** `--var NAME:value` arguments for `wrangler dev`. */
  wranglerArgs: string[];
  bannerLines: string[];
}

export async function startDevPaymentSandbox(workerUrl: string, log: (line: string) => void): Promise<DevPaymentSandbox> {
  const sandbox = await startPaymentSandbox({ workerUrl, log });
  const wranglerArgs = Object.entries(sandbox.workerVars()).flatMap(([name, value]) => ['--var', `${name}:${value}`]);
  const [success, declined] = STRIPE_TEST_CARDS;
  return {
    sandbox,
    wranglerArgs,
    bannerLines: [
      `   Payments        ${sandbox.url}  (local Stripe, PayPal and Coinbase sandbox; no money moves)`,
      `   Test cards      ${success?.number} succeeds · ${declined?.number} is declined (any expiry, any CVC)`,
    ],
  };
}
