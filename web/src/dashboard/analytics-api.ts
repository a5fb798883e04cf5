// The analytics endpoints as the dashboard calls them, and CSV downloads of its reports. Every call goes through
// `apiRequest` (access token, one refresh-and-retry on 401, the API's error shape as ApiError).
import { ApiError, apiRequest, refreshSession } from '../api';
import type {
  Alert,
  AnalyticsFilters,
  AnalyticsSummary,
  Breakdown,
  BreakdownDimension,
  ExportReport,
  Page,
  PeerSession,
  SessionDetail,
  Timeseries,
  TimeseriesBucket,
  TimeseriesMetric,
} from '../api-types';
import { session } from '../session';

export interface SessionListOptions {
  sort: 'problem' | 'recent';
  limit: number;
  cursor?: string;
}

/** Everything the dashboard reads. The API implements it; in `vite` dev mode `?fixtures` swaps in made-up data. */
export interface AnalyticsSource {
  summary(filters: AnalyticsFilters, signal?: AbortSignal): Promise<AnalyticsSummary>;
  timeseries(filters: AnalyticsFilters, metric: TimeseriesMetric, bucket: TimeseriesBucket, signal?: AbortSignal): Promise<Timeseries>;
  breakdown(filters: AnalyticsFilters, by: BreakdownDimension, signal?: AbortSignal): Promise<Breakdown>;
  sessions(filters: AnalyticsFilters, options: SessionListOptions, signal?: AbortSignal): Promise<Page<PeerSession>>;
  session(sessionId: string, signal?: AbortSignal): Promise<SessionDetail>;
  alerts(state: 'firing' | 'resolved', signal?: AbortSignal): Promise<Page<Alert>>;
}

type Query = Record<string, string | number | undefined>;

/** Firing alerts read at most (newest first; the API's page maximum). */
const ALERTS_SHOWN = 100;

const get = <T>(path: string, query: Query, signal?: AbortSignal) => apiRequest<T>(path, { query, signal });

export const analyticsApi: AnalyticsSource = {
  summary: (filters, signal) => get('/analytics/summary', { ...filters }, signal),
  timeseries: (filters, metric, bucket, signal) => get('/analytics/timeseries', { ...filters, metric, bucket }, signal),
  breakdown: (filters, by, signal) => get('/analytics/breakdown', { ...filters, by }, signal),
  sessions: (filters, options, signal) => get('/analytics/sessions', { ...filters, ...options }, signal),
  session: (sessionId, signal) => get(`/analytics/sessions/${encodeURIComponent(sessionId)}`, {}, signal),
  alerts: (state, signal) => get('/alerts', { state, limit: ALERTS_SHOWN }, signal),
};

/** The analytics source for this page load: the API, or (only in `vite` dev mode, with `?fixtures`) fixtures. */
export async function chooseAnalyticsSource(): Promise<AnalyticsSource> {
  // `import.meta.env.DEV` is false in production builds, so the fixtures module is not even bundled there.
  if (import.meta.env.DEV && new URLSearchParams(window.location.search).has('fixtures')) {
    const { fixtureSource } = await import('./fixtures');
    return fixtureSource();
  }
  return analyticsApi;
}

export function exportUrl(report: ExportReport, query: Query): string {
  const url = new URL('/api/v1/analytics/export', window.location.origin);
  url.searchParams.set('report', report);
  url.searchParams.set('format', 'csv');
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') url.searchParams.set(name, String(value));
  }
  return url.pathname + url.search;
}

/** The file name a Content-Disposition header suggests (RFC 6266: `filename*` wins over `filename`). */
export function filenameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  const extended = /filename\*\s*=\s*(?:UTF-8|utf-8)''([^;]+)/.exec(header);
  if (extended?.[1]) {
    try {
      return decodeURIComponent(extended[1].trim());
    } catch {
      // Malformed percent-encoding: fall through to the plain parameter.
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/.exec(header);
  const name = plain?.[2] ?? plain?.[1]?.trim();
  // Only a base name: a server-suggested path must not steer where the file goes.
  return name ? (name.split(/[\\/]/).pop() ?? null) : null;
}

async function errorFrom(response: Response): Promise<ApiError> {
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string; requestId?: string } };
    if (body.error?.message) {
      return new ApiError(
        response.status,
        body.error.code ?? `http_${response.status}`,
        body.error.message,
        undefined,
        body.error.requestId,
      );
    }
  } catch {
    // Not the API's error shape.
  }
  return new ApiError(response.status, `http_${response.status}`, `The export failed (HTTP ${response.status})`);
}

/**
 * Downloads a report as CSV. A plain link cannot carry the Authorization header, so the file is fetched with
 * the session's token and handed to the browser as a blob download. Resolves with the file name used.
 */
export async function downloadExport(report: ExportReport, query: Query, fallbackName: string): Promise<string> {
  const url = exportUrl(report, query);
  const fetchWith = (token: string | null) =>
    fetch(url, { headers: { Accept: 'text/csv', ...(token ? { Authorization: `Bearer ${token}` } : {}) }, credentials: 'same-origin' });
  if (session.needsRefresh()) await refreshSession();
  const token = session.accessToken;
  let response = await fetchWith(token);
  if (response.status === 401 && token && (session.accessToken !== token || (await refreshSession()))) {
    response = await fetchWith(session.accessToken);
  }
  if (!response.ok) throw await errorFrom(response);
  const blob = await response.blob();
  const filename = filenameFromDisposition(response.headers.get('Content-Disposition')) ?? fallbackName;
  const href = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = href;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has started by the time this runs; the blob can go.
  window.setTimeout(() => URL.revokeObjectURL(href), 10_000);
  return filename;
}
