import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';

/** What every Durable Object answers to the health check: proof that it was reached and can use storage. */
export interface DurableObjectHealth {
  ok: true;
  kind: string;
  storageSqlOk: boolean;
}

/** Base of VibeStream's objects: the SQLite-backed storage they all use, and the health probe. */
export abstract class HealthCheckedObject extends DurableObject<Env> {
  protected abstract readonly kind: string;

  /** Health probe (RPC): answers without touching any room or session state. */
  async health(): Promise<DurableObjectHealth> {
    const row = this.ctx.storage.sql.exec<{ one: number }>('SELECT 1 AS one').one();
    return { ok: true, kind: this.kind, storageSqlOk: row.one === 1 };
  }
}
