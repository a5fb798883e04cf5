// Helpers for integration tests: requests go through the Worker's real fetch handler, so middleware,
// validation, D1 and queues all run as in production.
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import worker from '../../src/workers/index';

export const BASE = 'http://vibestream.test';

export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export async function api<T = any>(
  method: string,
  path: string,
  options: {
    token?: string;
    body?: unknown;
    rawBody?: BodyInit;
    headers?: Record<string, string>;
    /** `request.cf` as Cloudflare's edge sets it; without it the request is one no edge handled. */
    cf?: Record<string, unknown>;
  } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) {
    headers['Content-Type'] ??= 'application/json';
    body = JSON.stringify(options.body);
  }
  // The Worker's own fetch handler, called in-process with the real bindings: the same code path as a
  // request from the edge, minus the loopback hop.
  const request = new Request(`${BASE}${path}`, {
    method,
    headers,
    body,
    redirect: 'manual',
    ...(options.cf ? { cf: options.cf as RequestInitCfProperties } : {}),
  });
  const response = await worker.fetch(request as Request<unknown, IncomingRequestCfProperties>, env, createExecutionContext());
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // keep text
  }
  return { status: response.status, headers: response.headers, body: parsed as T };
}

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}-${counter}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}

export async function signUp(role: 'viewer' | 'creator' = 'viewer', overrides: Record<string, unknown> = {}) {
  const email = uniqueEmail(role);
  const password = 'a sturdy passphrase';
  const response = await api('POST', '/api/v1/auth/signup', { body: { email, password, displayName: `Test ${role}`, role, ...overrides } });
  if (response.status !== 201) throw new Error(`signup failed: ${response.status} ${JSON.stringify(response.body)}`);
  return { email, password, ...response.body } as {
    email: string;
    password: string;
    accessToken: string;
    refreshToken: string;
    user: { id: string; role: string };
  };
}

/** A signed-in admin: signs up, is promoted directly in D1 (as the operator CLI would), then logs in. */
export async function signUpAdmin() {
  const { env } = await import('cloudflare:workers');
  const viewer = await signUp('viewer');
  await env.DB.prepare("UPDATE users SET role = 'admin' WHERE id = ?").bind(viewer.user.id).run();
  const login = await api('POST', '/api/v1/auth/login', { body: { email: viewer.email, password: viewer.password } });
  if (login.status !== 200) throw new Error(`admin login failed: ${login.status}`);
  return { ...viewer, ...login.body } as typeof viewer;
}

export async function countRows(table: string): Promise<number> {
  const { env } = await import('cloudflare:workers');
  const row = await env.DB.prepare(`SELECT COUNT(*) AS n FROM ${table}`).first<{ n: number }>();
  return row?.n ?? 0;
}

/** Marks a video ready to play, as a finished upload would (the upload path itself is tested in video-files). */
export async function markVideoReady(videoId: string): Promise<void> {
  const { env } = await import('cloudflare:workers');
  await env.DB.prepare("UPDATE videos SET status = 'ready' WHERE id = ?").bind(videoId).run();
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * The integrity manifest of a one-rendition package whose segments are `segments` (360p/seg_0000N.m4s), as
 * `npm run package-video` writes it. `declaredBytes` overrides the sizes the manifest claims (for quota tests).
 */
export async function testManifest(videoId: string, segments: Uint8Array[], declaredBytes?: number[]) {
  return {
    version: 1,
    videoId,
    createdAt: '2026-11-28T04:00:00.000Z',
    source: { name: 'clip.mp4', bytes: 1000, sha256: 'a'.repeat(64), durationSeconds: 4 * segments.length, width: 640, height: 360 },
    renditions: [
      {
        name: '360p',
        bandwidth: 800_000,
        resolution: '640x360',
        codecs: 'avc1.64001e,mp4a.40.2',
        playlist: '360p/index.m3u8',
        segments: await Promise.all(
          segments.map(async (bytes, index) => ({
            path: `360p/seg_0000${index}.m4s`,
            index,
            durationSeconds: 4,
            bytes: declaredBytes?.[index] ?? bytes.byteLength,
            sha256: await sha256Hex(bytes),
            cid: null,
          })),
        ),
      },
    ],
  };
}

/**
 * A ready video a fresh creator owns (public unless told), under a chosen id so fixtures can name it. Ingest
 * tokens are only issued for videos the caller may watch, so metric tests post against one of these.
 */
export async function readyVideo(id = `vid_${crypto.randomUUID().replaceAll('-', '').slice(0, 24)}`, visibility = 'public') {
  const { env } = await import('cloudflare:workers');
  const creator = await signUp('creator');
  const now = Date.now();
  await env.DB.prepare(
    "INSERT INTO videos (id, creator_id, title, tags, language, visibility, status, created_at, updated_at) VALUES (?, ?, ?, '[]', 'en', ?, 'ready', ?, ?)",
  )
    .bind(id, creator.user.id, `Video ${id}`, visibility, now, now)
    .run();
  return { id, creator };
}
