// Typed bindings (wrangler.toml). Outside src/workers because the Worker and the Durable Objects both need them,
// and objects never import the Worker.
import type { AnyDomainEvent } from './domain/events';
import type { CallRoom } from './durable-objects/call-room';
import type { MonitoringRegistry } from './durable-objects/monitoring-registry';
import type { PeerMetricsAggregator } from './durable-objects/peer-metrics-aggregator';
import type { RateLimiter } from './durable-objects/rate-limiter';
import type { SwarmTracker } from './durable-objects/swarm-tracker';

export interface Env {
  DB: D1Database;
  SWARM_TRACKER: DurableObjectNamespace<SwarmTracker>;
  CALL_ROOM: DurableObjectNamespace<CallRoom>;
  PEER_METRICS: DurableObjectNamespace<PeerMetricsAggregator>;
  MONITORING_REGISTRY: DurableObjectNamespace<MonitoringRegistry>;
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
  DOMAIN_EVENTS: Queue<AnyDomainEvent>;
  PAYMENT_EVENTS: Queue<AnyDomainEvent>;
  IPFS_JOBS: Queue<AnyDomainEvent>;
  PEER_STATS: AnalyticsEngineDataset;
  UPLOADS: R2Bucket;
  ASSETS: Fetcher;
  // vars (wrangler.toml [vars])
  APP_ENV: string;
  CORS_ORIGINS: string;
  ACCESS_TOKEN_TTL_SECONDS: string;
  REFRESH_TOKEN_TTL_SECONDS: string;
  MAX_BODY_BYTES: string;
  ACCOUNT_CHECK_CACHE_MS?: string;
  LOG_LEVEL?: string;
  // Analytics Engine SQL API root (default https://api.cloudflare.com/client/v4); tests point it at a local server.
  AE_SQL_API_URL?: string;
  // Cloudflare Realtime API root (default https://rtc.live.cloudflare.com); tests point it at a local server.
  REALTIME_API_URL?: string;
  // STUN servers every ICE server list starts with (comma-separated; default stun:stun.cloudflare.com:3478).
  STUN_URLS?: string;
  // Payment provider API roots (defaults: the providers' production APIs); tests point them at contract servers.
  STRIPE_API_URL?: string;
  PAYPAL_API_URL?: string;
  // "sandbox" (default) or "production": which PayPal environment the SDK talks to when PAYPAL_API_URL is unset.
  PAYPAL_ENVIRONMENT?: string;
  // Hosts allowed in PAYPAL-CERT-URL (comma-separated; default api.paypal.com,api.sandbox.paypal.com).
  PAYPAL_CERT_HOSTS?: string;
  COINBASE_API_URL?: string;
  // IPFS storage (src/adapters/ipfs/config.ts): Kubo RPC endpoints `[name=]url,…`; unset → videos are served
  // from R2 alone. Replication factor (default 1), per-call timeout (default 30000 ms), the default per-creator
  // storage quota (default 10 GiB) and the free-space ratio under which a node alerts (default 0.1).
  IPFS_API_URLS?: string;
  IPFS_REPLICATION_FACTOR?: string;
  IPFS_TIMEOUT_MS?: string;
  STORAGE_QUOTA_BYTES?: string;
  IPFS_LOW_SPACE_RATIO?: string;
  // Resumable uploads (routes/video-uploads.ts): files from UPLOAD_MULTIPART_MIN_BYTES up (default 8 MiB) go
  // through R2 multipart uploads in parts of UPLOAD_PART_BYTES (default 8 MiB, never under R2's 5 MiB).
  UPLOAD_MULTIPART_MIN_BYTES?: string;
  UPLOAD_PART_BYTES?: string;
  // secrets (.dev.vars locally, `wrangler secret put` in production)
  JWT_SECRET: string;
  // Wraps the AES-128 content keys of paid and private videos at rest (video_keys); at least 32 characters.
  // Unset → issuing or serving a content key answers 503 misconfigured; everything else works.
  CONTENT_KEY_SECRET?: string;
  // Authorization header values for the IPFS_API_URLS nodes (one for all, or one per node, comma-separated).
  IPFS_API_AUTHORIZATIONS?: string;
  // Signs alert webhooks (X-VibeStream-Signature); when unset they are sent unsigned, with a warning.
  ALERT_WEBHOOK_SECRET?: string;
  // Analytics Engine SQL API (raw session points); both unset → that route answers 503 not_configured.
  AE_ACCOUNT_ID?: string;
  AE_API_TOKEN?: string;
  // Realtime TURN key; both unset → GET /ice-servers answers STUN only (turn: "not_configured").
  TURN_KEY_ID?: string;
  TURN_KEY_API_TOKEN?: string;
  // Realtime SFU app; both unset → the /rooms/{roomId}/sfu routes answer 503 not_configured.
  REALTIME_APP_ID?: string;
  REALTIME_APP_TOKEN?: string;
  // Payment providers; a provider whose secrets are unset answers 503 not_configured at checkout and webhook.
  STRIPE_SECRET_KEY?: string;
  STRIPE_WEBHOOK_SECRET?: string;
  PAYPAL_CLIENT_ID?: string;
  PAYPAL_CLIENT_SECRET?: string;
  PAYPAL_WEBHOOK_ID?: string;
  COINBASE_API_KEY?: string;
  COINBASE_WEBHOOK_SECRET?: string;
}
