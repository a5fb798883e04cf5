// Where alert webhooks may go, checked when a rule is saved and again right before each delivery (a rule saved
// before these checks existed, or an event already in the queue, must not reach anything the API now refuses).
// The address rules live in domain/network-address.ts; this adds what only the deployment knows: whether
// localhost is allowed (development and tests) and which Kubo RPC endpoints the Worker itself talks to.
import { ipfsConfigOf } from '../../adapters/ipfs/config';
import { checkOutboundUrl, REFUSAL_MESSAGES, type TargetVerdict } from '../../domain/network-address';
import type { Env } from '../../env';
import type { Config } from '../config';

function ipfsOrigins(env: Pick<Env, 'IPFS_API_URLS'>): string[] {
  try {
    return ipfsConfigOf({ IPFS_API_URLS: env.IPFS_API_URLS })?.nodes.map((node) => node.url) ?? [];
  } catch {
    // A malformed list still names hosts to keep webhooks away from.
    return (env.IPFS_API_URLS ?? '').split(',').map((entry) => entry.trim().replace(/^[^=/:]+=/, ''));
  }
}

export function checkNotifyUrl(
  url: string,
  config: Pick<Config, 'allowsLocalhostWebhooks'>,
  env: Pick<Env, 'IPFS_API_URLS'>,
): TargetVerdict {
  return checkOutboundUrl(url, { allowLocalhostHttp: config.allowsLocalhostWebhooks, blockedOrigins: ipfsOrigins(env) });
}

export function notifyUrlRefusal(verdict: TargetVerdict, localhostAllowed: boolean): string | null {
  if (verdict.ok) return null;
  const hint = localhostAllowed ? 'use a public https URL (plain http only to localhost or 127.0.0.1)' : 'use a public https URL';
  return `notifyUrl ${REFUSAL_MESSAGES[verdict.reason]}: ${hint}`;
}
