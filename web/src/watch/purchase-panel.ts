// The offer on a paid video's watch page — buy, or rent for N hours — with the payment provider to use, and the
// landing after a provider sends the buyer back (`?payment=…`, `&cancelled=1`): the page waits until the
// payment settles and then plays. The provider's hosted checkout does the rest (POST /api/v1/checkout answers
// its `checkoutUrl`).
import { ApiError, apiRequest } from '../api';
import { el } from '../dom';
import { formatPrice } from '../format';

export interface VideoPrices {
  purchase: { amount: number; currency: string } | null;
  rental: { amount: number; currency: string; rentalHours: number } | null;
}

type Provider = 'stripe' | 'paypal' | 'coinbase';
const PROVIDERS: { id: Provider; label: string }[] = [
  { id: 'stripe', label: 'Card (Stripe)' },
  { id: 'paypal', label: 'PayPal' },
  { id: 'coinbase', label: 'Crypto (Coinbase)' },
];

export function offerText(prices: VideoPrices): string {
  const parts = [];
  if (prices.purchase) parts.push(`buy for ${formatPrice(prices.purchase.amount, prices.purchase.currency)}`);
  if (prices.rental) {
    parts.push(`rent for ${prices.rental.rentalHours} h for ${formatPrice(prices.rental.amount, prices.rental.currency)}`);
  }
  const text = parts.join(' or ');
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : 'This video is paid';
}

export function mountPurchasePanel(
  container: HTMLElement,
  options: { videoId: string; title: string; prices: VideoPrices; signedIn: boolean },
): void {
  const status = el('p', { class: 'purchase__status', role: 'status' });
  const heading = el('h2', { class: 'purchase__title' }, offerText(options.prices));
  if (!options.signedIn) {
    const next = `/watch/${encodeURIComponent(options.videoId)}`;
    container.replaceChildren(
      el(
        'div',
        { class: 'purchase' },
        heading,
        el('p', {}, el('a', { class: 'button', href: `/login/?next=${encodeURIComponent(next)}` }, 'Sign in to buy or rent'), ' '),
      ),
    );
    return;
  }
  const providerChoice = el(
    'fieldset',
    { class: 'purchase__providers' },
    el('legend', {}, 'Pay with'),
    ...PROVIDERS.map((provider, index) =>
      el('label', {}, el('input', { type: 'radio', name: 'provider', value: provider.id, checked: index === 0 }), ` ${provider.label}`),
    ),
  );
  const buttons: HTMLButtonElement[] = [];
  const start = async (kind: 'video_purchase' | 'video_rental') => {
    const provider = (providerChoice.querySelector('input[name="provider"]:checked') as HTMLInputElement | null)?.value ?? 'stripe';
    for (const button of buttons) button.disabled = true;
    status.textContent = 'Opening the checkout…';
    try {
      const payment = await apiRequest<{ checkoutUrl: string | null }>('/checkout', {
        method: 'POST',
        body: { provider, item: { kind, videoId: options.videoId } },
      });
      if (!payment.checkoutUrl) throw new ApiError(502, 'no_checkout', 'The payment provider did not open a checkout.');
      window.location.assign(payment.checkoutUrl);
    } catch (error) {
      status.textContent = error instanceof ApiError ? error.message : 'The checkout could not be opened. Try again.';
      for (const button of buttons) button.disabled = false;
    }
  };
  if (options.prices.purchase) {
    const button = el(
      'button',
      { type: 'button', class: 'button' },
      `Buy for ${formatPrice(options.prices.purchase.amount, options.prices.purchase.currency)}`,
    );
    button.addEventListener('click', () => void start('video_purchase'));
    buttons.push(button);
  }
  if (options.prices.rental) {
    const { amount, currency, rentalHours } = options.prices.rental;
    const button = el(
      'button',
      { type: 'button', class: 'button button--quiet' },
      `Rent for ${rentalHours} h · ${formatPrice(amount, currency)}`,
    );
    button.addEventListener('click', () => void start('video_rental'));
    buttons.push(button);
  }
  container.replaceChildren(
    el('div', { class: 'purchase' }, heading, providerChoice, el('div', { class: 'purchase__actions' }, ...buttons), status),
  );
}

export type PaymentReturn =
  | { kind: 'none' }
  | { kind: 'paid' }
  | { kind: 'cancelled' }
  | { kind: 'failed'; message: string }
  | { kind: 'pending' };

// The provider's webhook is delivered before it sends the buyer back, and the payments queue applies it within
// about a second: poll briskly at first, then back off.
const SETTLE_POLL_MS = [300, 500, 800, 1000];
const SETTLE_TIMEOUT_MS = 30_000;

const FAILED_MESSAGES: Record<string, string> = {
  failed: 'The payment did not go through. Nothing was charged.',
  refunded: 'This payment was refunded.',
  disputed: 'This payment is disputed with your bank.',
};

/**
 * After a provider sends the buyer back: waits (bounded) until the payment is captured, failed or cancelled.
 * `onWaiting` is called once, when the payment is not settled at the first look (the page says so meanwhile).
 */
export async function settlePaymentReturn(options: { onWaiting?: () => void } = {}): Promise<PaymentReturn> {
  const params = new URLSearchParams(window.location.search);
  const paymentId = params.get('payment');
  if (!paymentId) return { kind: 'none' };
  // The address no longer carries the payment: a reload just plays (or offers the video again).
  window.history.replaceState(null, '', window.location.pathname);
  if (params.get('cancelled') === '1') return { kind: 'cancelled' };
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (let attempt = 0; Date.now() < deadline; attempt += 1) {
    let state: string;
    try {
      state = (await apiRequest<{ state: string }>(`/payments/${encodeURIComponent(paymentId)}`)).state;
    } catch {
      return { kind: 'failed', message: 'This payment could not be found.' };
    }
    if (state === 'captured') return { kind: 'paid' };
    const failed = FAILED_MESSAGES[state];
    if (failed) return { kind: 'failed', message: failed };
    if (attempt === 0) options.onWaiting?.();
    await new Promise((resolve) => setTimeout(resolve, SETTLE_POLL_MS[Math.min(attempt, SETTLE_POLL_MS.length - 1)]));
  }
  return { kind: 'pending' };
}
