// Which payment providers this deployment has: each is configured by its secrets (unset → not configured, and
// its routes answer 503 not_configured), its API root by a var (tests point them at contract servers).
import { CoinbaseProvider } from '../../adapters/payments/coinbase';
import { PAYPAL_CERT_HOSTS_DEFAULT, PaypalProvider } from '../../adapters/payments/paypal';
import type { PaymentProvider } from '../../adapters/payments/provider';
import { StripeProvider } from '../../adapters/payments/stripe';
import { PROVIDERS, type ProviderName } from '../../domain/payments/types';
import type { Env } from '../../env';
import { ApiError } from '../errors';

type PaymentEnv = Pick<
  Env,
  | 'STRIPE_SECRET_KEY'
  | 'STRIPE_WEBHOOK_SECRET'
  | 'STRIPE_API_URL'
  | 'PAYPAL_CLIENT_ID'
  | 'PAYPAL_CLIENT_SECRET'
  | 'PAYPAL_WEBHOOK_ID'
  | 'PAYPAL_API_URL'
  | 'PAYPAL_ENVIRONMENT'
  | 'PAYPAL_CERT_HOSTS'
  | 'COINBASE_API_KEY'
  | 'COINBASE_WEBHOOK_SECRET'
  | 'COINBASE_API_URL'
>;

export const REQUIRED_SECRETS: Record<ProviderName, (keyof PaymentEnv)[]> = {
  stripe: ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET'],
  paypal: ['PAYPAL_CLIENT_ID', 'PAYPAL_CLIENT_SECRET', 'PAYPAL_WEBHOOK_ID'],
  coinbase: ['COINBASE_API_KEY', 'COINBASE_WEBHOOK_SECRET'],
};

const nonEmpty = (value: string | undefined) => (value && value.trim() !== '' ? value.trim() : undefined);

export function paymentProvider(env: PaymentEnv, name: ProviderName): PaymentProvider | null {
  if (REQUIRED_SECRETS[name].some((key) => !nonEmpty(env[key]))) return null;
  switch (name) {
    case 'stripe':
      return new StripeProvider({
        secretKey: env.STRIPE_SECRET_KEY as string,
        webhookSecret: env.STRIPE_WEBHOOK_SECRET as string,
        apiUrl: nonEmpty(env.STRIPE_API_URL),
      });
    case 'paypal':
      return new PaypalProvider({
        clientId: env.PAYPAL_CLIENT_ID as string,
        clientSecret: env.PAYPAL_CLIENT_SECRET as string,
        webhookId: env.PAYPAL_WEBHOOK_ID as string,
        environment: env.PAYPAL_ENVIRONMENT === 'production' ? 'production' : 'sandbox',
        apiUrl: nonEmpty(env.PAYPAL_API_URL),
        certHosts:
          nonEmpty(env.PAYPAL_CERT_HOSTS)
            ?.split(',')
            .map((host) => host.trim())
            .filter(Boolean) ?? PAYPAL_CERT_HOSTS_DEFAULT,
      });
    case 'coinbase':
      return new CoinbaseProvider({
        apiKey: env.COINBASE_API_KEY as string,
        webhookSecret: env.COINBASE_WEBHOOK_SECRET as string,
        apiUrl: nonEmpty(env.COINBASE_API_URL),
      });
  }
}

/** The provider, or 503 not_configured naming the missing settings (never their values). */
export function requireProvider(env: PaymentEnv, name: ProviderName): PaymentProvider {
  const provider = paymentProvider(env, name);
  if (!provider) {
    const missing = REQUIRED_SECRETS[name].filter((key) => !nonEmpty(env[key]));
    throw new ApiError(503, 'not_configured', `${name} payments are not configured on this server (set ${missing.join(', ')})`, {
      provider: name,
      missing,
    });
  }
  return provider;
}

export const configuredProviders = (env: PaymentEnv) => PROVIDERS.filter((name) => paymentProvider(env, name) !== null);
