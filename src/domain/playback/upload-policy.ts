// Whether this viewer uploads segments to other viewers right now. A viewer shares by default; it does not when
// it asked to only consume, when the network is metered (cellular, or the browser's Save-Data hint) unless it
// opted in, or while it is over its upload cap. The cap has two parts: a rate (kbit/s, averaged over a sliding
// window so one segment burst does not flap it) and a volume per viewing session, after which sharing stops
// for good. p2p-media-loader has no upload throttle of its own, so the player applies this decision by switching
// `isP2PUploadDisabled` on and off.

export type SharingMode = 'share' | 'consume-only';

export interface SharingSettings {
  mode: SharingMode;
  /** Average upload rate allowed, kbit/s; null for no limit. */
  maxUploadKbps: number | null;
  /** Bytes this session may upload in total; null for no limit. */
  maxUploadBytesPerSession: number | null;
  /** Share even on a metered connection. */
  shareOnMetered: boolean;
}

export const DEFAULT_SHARING: SharingSettings = {
  mode: 'share',
  maxUploadKbps: null,
  maxUploadBytesPerSession: null,
  shareOnMetered: false,
};

/** Window the upload rate is averaged over. */
export const UPLOAD_RATE_WINDOW_MS = 10_000;

export interface NetworkHints {
  /** NetworkInformation.type === 'cellular'. */
  cellular: boolean;
  /** NetworkInformation.saveData. */
  saveData: boolean;
}

export type UploadDecision = { upload: true } | { upload: false; reason: 'consume_only' | 'metered_network' | 'rate_cap' | 'session_cap' };

/** Upload events (time, bytes) within the rate window; older ones are dropped as they age out. */
export class UploadMeter {
  private readonly events: { atMs: number; bytes: number }[] = [];
  private total = 0;

  record(bytes: number, atMs: number): void {
    this.events.push({ atMs, bytes });
    this.total += bytes;
  }

  get totalBytes(): number {
    return this.total;
  }

  /** Average rate over the last UPLOAD_RATE_WINDOW_MS, in kbit/s. */
  rateKbps(nowMs: number): number {
    while (this.events.length > 0 && (this.events[0]?.atMs ?? nowMs) <= nowMs - UPLOAD_RATE_WINDOW_MS) this.events.shift();
    const bytes = this.events.reduce((sum, event) => sum + event.bytes, 0);
    return (bytes * 8) / UPLOAD_RATE_WINDOW_MS; // bits per ms = kbit/s
  }
}

export function decideUpload(settings: SharingSettings, network: NetworkHints, meter: UploadMeter, nowMs: number): UploadDecision {
  if (settings.mode === 'consume-only') return { upload: false, reason: 'consume_only' };
  if ((network.cellular || network.saveData) && !settings.shareOnMetered) return { upload: false, reason: 'metered_network' };
  if (settings.maxUploadBytesPerSession !== null && meter.totalBytes >= settings.maxUploadBytesPerSession) {
    return { upload: false, reason: 'session_cap' };
  }
  if (settings.maxUploadKbps !== null && meter.rateKbps(nowMs) >= settings.maxUploadKbps) return { upload: false, reason: 'rate_cap' };
  return { upload: true };
}

/** Settings as stored by the page (localStorage), with anything malformed replaced by the default. */
export function parseSharingSettings(raw: unknown): SharingSettings {
  if (typeof raw !== 'object' || raw === null) return { ...DEFAULT_SHARING };
  const value = raw as Record<string, unknown>;
  const limit = (input: unknown) => (typeof input === 'number' && Number.isFinite(input) && input > 0 ? input : null);
  return {
    mode: value.mode === 'consume-only' ? 'consume-only' : 'share',
    maxUploadKbps: limit(value.maxUploadKbps),
    maxUploadBytesPerSession: limit(value.maxUploadBytesPerSession),
    shareOnMetered: value.shareOnMetered === true,
  };
}
