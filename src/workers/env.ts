// The per-request context shared by every route; the bindings themselves are in src/env.ts.
import type { IngestClaims, RoomClaims } from '../domain/auth-tokens';
import type { ApiKeyScope, Role } from '../domain/roles';
import type { Env } from '../env';
import type { Config } from './config';

/** Who is calling: a signed-in user (access token) or a server using an API key on behalf of its owner. */
export type Principal =
  | { kind: 'user'; userId: string; role: Role }
  | { kind: 'apiKey'; userId: string; role: Role; keyId: string; scopes: ApiKeyScope[] }
  // A browser's short-lived metrics token: good for posting one peer session's samples, nothing else.
  | { kind: 'ingest'; claims: IngestClaims }
  // A call room's 5-minute join token: good for the SFU routes of that one room, nothing else.
  | { kind: 'room'; claims: RoomClaims };

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    config: Config;
    principal: Principal | undefined;
  };
}
