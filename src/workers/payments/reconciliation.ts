// The daily reconciliation (cron `30 3 * * *`), after Kill Bill's janitor: for every configured provider,
//   1. re-query payments still waiting (pending/authorized for over an hour) and apply what the provider says,
//      so a lost webhook never leaves a paid order ungranted;
//   2. pull the provider's own money movements for the window (Stripe balance transactions, PayPal transaction
//      search, Coinbase charges) and match them against the ledger;
//   3. store a report and open (or resolve) one alert per provider with mismatches.
// A provider that fails is reported as such; the others still run.
import { openDatabase } from '../../adapters/db/client';
import {
  insertReconciliationReportStatement,
  ledgerMovements,
  reconciliationAlertStatements,
  unsettledPayments,
} from '../../adapters/db/payments-repo';
import { errorMessage } from '../../domain/errors';
import { type Mismatch, reconcile } from '../../domain/payments/reconciliation';
import type { ProviderName } from '../../domain/payments/types';
import type { Env } from '../../env';
import { signalStatements } from './apply-signal';
import { configuredProviders, paymentProvider } from './providers';

const HOUR_MS = 3_600_000;
/** Two days back, so a movement near a day boundary is seen by two runs; the last 10 minutes are left to webhooks. */
export const RECONCILIATION_WINDOW_MS = 48 * HOUR_MS;
const SETTLE_MS = 10 * 60_000;
const REQUERY_LIMIT = 100;

export interface ProviderReconciliation {
  provider: ProviderName;
  ok: boolean;
  error?: string;
  requeried: number;
  matched: number;
  providerTotal: number;
  ledgerTotal: number;
  mismatches: Mismatch[];
}

export interface ReconciliationReport {
  id: string;
  from: number;
  to: number;
  providers: ProviderReconciliation[];
}

export async function runReconciliation(
  env: Env,
  now = Date.now(),
  window = { from: now - RECONCILIATION_WINDOW_MS, to: now - SETTLE_MS },
) {
  const db = openDatabase(env.DB);
  const startedAt = Date.now();
  const results: ProviderReconciliation[] = [];
  for (const name of configuredProviders(env)) {
    const provider = paymentProvider(env, name);
    if (!provider) continue;
    const entry: ProviderReconciliation = {
      provider: name,
      ok: true,
      requeried: 0,
      matched: 0,
      providerTotal: 0,
      ledgerTotal: 0,
      mismatches: [],
    };
    try {
      for (const payment of (await unsettledPayments(db, now - HOUR_MS, REQUERY_LIMIT)).filter((p) => p.provider === name)) {
        const signal = await provider.fetchPayment({
          id: payment.id,
          providerRef: payment.providerRef,
          captureRef: payment.captureRef,
          currency: payment.currency,
        });
        const outcome = await signalStatements(db, provider, signal, now);
        if (outcome.statements.length > 0) await db.batch(outcome.statements as [never, ...never[]]);
        entry.requeried += 1;
      }
      // A provider without a refund API reports no refunds: manual refunds are not compared (README "Refunds").
      const booked = (await ledgerMovements(db, name, window.from, window.to)).filter(
        (movement) => provider.refundsThroughApi || movement.kind !== 'refund',
      );
      const result = reconcile(await provider.listMovements(window.from, window.to), booked);
      Object.assign(entry, {
        matched: result.matched,
        mismatches: result.mismatches,
        providerTotal: result.providerTotal,
        ledgerTotal: result.ledgerTotal,
      });
      await db.batch(reconciliationAlertStatements(db, name, result.mismatches.length, now) as [never, ...never[]]);
    } catch (error) {
      entry.ok = false;
      entry.error = errorMessage(error);
      console.error(JSON.stringify({ level: 'error', msg: 'reconciliation failed', provider: name, error: entry.error }));
    }
    results.push(entry);
  }
  const id = `rec_${crypto.randomUUID().replace(/-/g, '').slice(0, 24)}`;
  await insertReconciliationReportStatement(db, {
    id,
    windowFrom: window.from,
    windowTo: window.to,
    startedAt,
    finishedAt: Date.now(),
    matched: results.reduce((sum, r) => sum + r.matched, 0),
    mismatchCount: results.reduce((sum, r) => sum + r.mismatches.length + (r.ok ? 0 : 1), 0),
    requeried: results.reduce((sum, r) => sum + r.requeried, 0),
    details: results,
  });
  return { id, from: window.from, to: window.to, providers: results } satisfies ReconciliationReport;
}
