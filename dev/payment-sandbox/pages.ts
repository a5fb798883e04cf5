// The payment sandbox's hosted pages: plain server-rendered HTML standing in for Stripe Checkout, PayPal's approval
// page and a Coinbase Commerce charge page. Each looks enough like its original that a person trying the buyer
// journey knows where they are, and says plainly that it is a local test page that moves no money.

export interface CheckoutItemView {
  /** What is bought, as the merchant described it ("Purchase: Knife Skills"). */
  description: string;
  /** Minor units. */
  amount: number;
  currency: string;
  merchant: string;
}

export interface TestCard {
  number: string;
  outcome: 'succeeds' | 'declined';
  /** What Stripe answers for it (docs.stripe.com/testing#declined-payments). */
  message: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export function formatMoney(amount: number, currency: string): string {
  const code = currency.toUpperCase();
  try {
    const format = new Intl.NumberFormat('en-US', { style: 'currency', currency: code });
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
    return format.format(amount / 10 ** digits);
  } catch {
    return `${(amount / 100).toFixed(2)} ${code}`;
  }
}

const BASE_CSS = `
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1f36}
.sandbox-note{background:#fff8e1;border-bottom:1px solid #f0d78c;color:#5c4400;font-size:13px;padding:6px 16px;text-align:center}
button{font:inherit;cursor:pointer}.error{background:#fdecea;border:1px solid #f5c2c0;color:#a4161a;border-radius:6px;padding:10px 12px;margin:0 0 14px}
.muted{color:#697386;font-size:13px}`;

function page(title: string, css: string, body: string, note: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${BASE_CSS}${css}</style></head>
<body><div class="sandbox-note" role="note">${escapeHtml(note)}</div>${body}</body></html>`;
}

const STRIPE_CSS = `
.checkout{display:flex;min-height:calc(100vh - 31px)}.summary{flex:1;background:#f6f9fc;padding:64px 48px 32px 10%;border-right:1px solid #e3e8ee}
.summary a{color:#635bff;text-decoration:none;font-weight:500}.badge{display:inline-block;margin-left:8px;background:#ffde92;color:#7a4c00;font-size:11px;font-weight:700;border-radius:4px;padding:1px 6px;letter-spacing:.04em}
.summary .item{margin-top:40px;color:#697386}.summary .amount{font-size:36px;font-weight:600;color:#1a1f36;margin:4px 0 24px}
.form{flex:1;padding:64px 10% 32px 48px;max-width:640px}h2{font-size:20px;margin:0 0 20px}label{display:block;font-size:13px;color:#30313d;margin:14px 0 6px;font-weight:500}
input{width:100%;font:inherit;padding:10px 12px;border:1px solid #e0e0e0;border-radius:6px;box-shadow:0 1px 1px rgba(0,0,0,.03)}
.row{display:flex}.row input{border-radius:0 0 6px 6px;border-top:none}.row input+input{border-left:none}.card{border-radius:6px 6px 0 0}
.pay{margin-top:24px;width:100%;background:#0074d4;color:#fff;border:0;border-radius:6px;padding:13px;font-weight:600;font-size:16px}
.cards{margin-top:22px;border-top:1px solid #e3e8ee;padding-top:14px}.cards code{background:#f6f9fc;border-radius:4px;padding:1px 4px}
.powered{margin-top:28px;color:#a3acb9;font-size:12px}`;

export function stripeCheckoutPage(options: {
  sessionId: string;
  item: CheckoutItemView;
  cancelUrl: string;
  cards: readonly TestCard[];
  error?: string;
  card?: string;
  email?: string;
}): string {
  const { item } = options;
  const price = formatMoney(item.amount, item.currency);
  const action = `/pay/stripe/${encodeURIComponent(options.sessionId)}`;
  const body = `<main class="checkout">
<section class="summary" aria-label="Order summary">
  <a href="${escapeHtml(options.cancelUrl)}" id="back">← ${escapeHtml(item.merchant)}</a><span class="badge">TEST MODE</span>
  <div class="item">${escapeHtml(item.description)}</div>
  <div class="amount" data-amount="${item.amount}">${escapeHtml(price)}</div>
</section>
<section class="form">
  <h2>Pay with card</h2>
  ${options.error ? `<p class="error" role="alert" id="card-error">${escapeHtml(options.error)}</p>` : ''}
  <form method="post" action="${action}">
    <input type="hidden" name="action" value="pay">
    <label for="email">Email</label>
    <input id="email" name="email" type="email" autocomplete="email" placeholder="you@example.com" value="${escapeHtml(options.email ?? '')}">
    <label for="cardNumber">Card information</label>
    <input id="cardNumber" class="card" name="cardNumber" inputmode="numeric" autocomplete="cc-number" placeholder="1234 1234 1234 1234" required value="${escapeHtml(options.card ?? '')}">
    <div class="row"><input id="cardExpiry" name="cardExpiry" placeholder="MM / YY" autocomplete="cc-exp" aria-label="Expiration" value="12 / 34"><input id="cardCvc" name="cardCvc" placeholder="CVC" autocomplete="cc-csc" aria-label="CVC" value="123"></div>
    <label for="billingName">Cardholder name</label>
    <input id="billingName" name="billingName" autocomplete="cc-name" placeholder="Full name on card">
    <button class="pay" type="submit" id="pay">Pay ${escapeHtml(price)}</button>
  </form>
  <div class="cards muted">Test cards: ${options.cards
    .map((card) => `<code>${escapeHtml(card.number)}</code> ${card.outcome === 'succeeds' ? 'succeeds' : 'is declined'}`)
    .join(' · ')}; any future expiry and CVC.</div>
  <div class="powered">Powered by <strong>stripe</strong> · local sandbox</div>
</section></main>`;
  return page(
    `Pay ${item.merchant} · Stripe Checkout (sandbox)`,
    STRIPE_CSS,
    body,
    'VibeStream payment sandbox: a local stand-in for Stripe Checkout. No money moves.',
  );
}

const PAYPAL_CSS = `
body{background:#f5f7fa}.header{background:#fff;border-bottom:1px solid #e6e9eb;padding:14px 24px;display:flex;align-items:center;gap:12px}
.logo{font:italic 700 26px/1 Verdana,sans-serif;color:#003087}.logo span{color:#009cde}.tag{font-size:12px;background:#e7f0ff;color:#003087;border-radius:10px;padding:2px 8px}
.card{max-width:460px;margin:36px auto;background:#fff;border-radius:12px;box-shadow:0 2px 10px rgba(0,0,0,.08);padding:28px}
h1{font-size:22px;margin:0 0 4px}.total{display:flex;justify-content:space-between;border-top:1px solid #e6e9eb;border-bottom:1px solid #e6e9eb;padding:14px 0;margin:18px 0}
.total strong{font-size:20px}.account{background:#f5f7fa;border-radius:8px;padding:12px;margin-bottom:18px}
.approve{width:100%;background:#0070ba;color:#fff;border:0;border-radius:24px;padding:13px;font-weight:700;font-size:16px}
.cancel{width:100%;margin-top:12px;background:none;border:0;color:#0070ba;font-weight:600;padding:8px}`;

export function paypalApprovalPage(options: { orderId: string; item: CheckoutItemView; buyerEmail: string }): string {
  const { item } = options;
  const action = `/pay/paypal/${encodeURIComponent(options.orderId)}`;
  const body = `<div class="header"><div class="logo">Pay<span>Pal</span></div><span class="tag">Sandbox</span></div>
<main class="card">
  <h1>Pay ${escapeHtml(item.merchant)}</h1>
  <div class="muted">Order ${escapeHtml(options.orderId)}</div>
  <div class="total"><span>${escapeHtml(item.description)}</span><strong data-amount="${item.amount}">${escapeHtml(formatMoney(item.amount, item.currency))}</strong></div>
  <div class="account"><div class="muted">Signed in as</div><div>${escapeHtml(options.buyerEmail)}</div><div class="muted">Pay with PayPal balance</div></div>
  <form method="post" action="${action}"><input type="hidden" name="action" value="approve"><button class="approve" id="approve" type="submit">Approve</button></form>
  <form method="post" action="${action}"><input type="hidden" name="action" value="cancel"><button class="cancel" id="cancel" type="submit">Cancel and return to ${escapeHtml(item.merchant)}</button></form>
</main>`;
  return page(`PayPal Checkout (sandbox)`, PAYPAL_CSS, body, 'VibeStream payment sandbox: a local stand-in for PayPal. No money moves.');
}

const COINBASE_CSS = `
body{background:#f4f5f7}.card{max-width:440px;margin:40px auto;background:#fff;border-radius:14px;box-shadow:0 4px 16px rgba(0,0,0,.08);overflow:hidden}
.top{background:#0052ff;color:#fff;padding:20px 24px}.top .brand{font-weight:700;font-size:18px}.top .merchant{opacity:.85}
.content{padding:24px}h1{font-size:18px;margin:0 0 6px}.price{font-size:32px;font-weight:700;margin:14px 0 2px}.crypto{color:#5b616e}
.network{margin:18px 0;border:1px solid #e3e6ea;border-radius:10px;padding:12px;display:flex;justify-content:space-between}
.pay{width:100%;background:#0052ff;color:#fff;border:0;border-radius:10px;padding:13px;font-weight:700;font-size:16px}
.cancel{width:100%;margin-top:10px;background:#fff;border:1px solid #d0d5dd;border-radius:10px;padding:11px;font-weight:600}`;

export function coinbaseChargePage(options: { code: string; item: CheckoutItemView; cryptoAmount: string }): string {
  const { item } = options;
  const action = `/pay/coinbase/${encodeURIComponent(options.code)}`;
  const body = `<main class="card">
  <div class="top"><div class="brand">Coinbase Commerce</div><div class="merchant">${escapeHtml(item.merchant)} · charge ${escapeHtml(options.code)}</div></div>
  <div class="content">
    <h1>${escapeHtml(item.description)}</h1>
    <div class="price" data-amount="${item.amount}">${escapeHtml(formatMoney(item.amount, item.currency))}</div>
    <div class="crypto">≈ ${escapeHtml(options.cryptoAmount)} ETH</div>
    <div class="network"><span>Network</span><strong>Ethereum (test)</strong></div>
    <form method="post" action="${action}"><input type="hidden" name="action" value="pay"><button class="pay" id="pay" type="submit">Pay</button></form>
    <form method="post" action="${action}"><input type="hidden" name="action" value="cancel"><button class="cancel" id="cancel" type="submit">Cancel</button></form>
  </div>
</main>`;
  return page(
    `Coinbase Commerce (sandbox)`,
    COINBASE_CSS,
    body,
    'VibeStream payment sandbox: a local stand-in for Coinbase Commerce. No crypto moves.',
  );
}

/** A checkout that can no longer be paid (already paid, cancelled, unknown). */
export function closedCheckoutPage(title: string, detail: string, backUrl?: string): string {
  const body = `<main style="max-width:520px;margin:60px auto;padding:0 20px"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p>${
    backUrl ? `<p><a href="${escapeHtml(backUrl)}">Back to the merchant</a></p>` : ''
  }</main>`;
  return page(title, '', body, 'VibeStream payment sandbox. No money moves.');
}
