import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SHARING,
  decideUpload,
  parseSharingSettings,
  UPLOAD_RATE_WINDOW_MS,
  UploadMeter,
} from '../../../src/domain/playback/upload-policy';

const wired = { cellular: false, saveData: false };

describe('upload policy', () => {
  it('shares by default on a wired or wifi connection', () => {
    expect(decideUpload(DEFAULT_SHARING, wired, new UploadMeter(), 0)).toEqual({ upload: true });
  });

  it('never uploads in consume-only mode', () => {
    expect(decideUpload({ ...DEFAULT_SHARING, mode: 'consume-only' }, wired, new UploadMeter(), 0)).toEqual({
      upload: false,
      reason: 'consume_only',
    });
  });

  it('stays off on cellular or Save-Data unless the viewer opted in', () => {
    expect(decideUpload(DEFAULT_SHARING, { cellular: true, saveData: false }, new UploadMeter(), 0)).toMatchObject({
      reason: 'metered_network',
    });
    expect(decideUpload(DEFAULT_SHARING, { cellular: false, saveData: true }, new UploadMeter(), 0)).toMatchObject({
      reason: 'metered_network',
    });
    expect(decideUpload({ ...DEFAULT_SHARING, shareOnMetered: true }, { cellular: true, saveData: false }, new UploadMeter(), 0)).toEqual({
      upload: true,
    });
  });

  it('pauses above the rate cap and resumes once the window has drained', () => {
    const settings = { ...DEFAULT_SHARING, maxUploadKbps: 800 };
    const meter = new UploadMeter();
    // 1,250,000 bytes in 10 s = 1,000 kbit/s on average: over an 800 kbit/s cap.
    for (let second = 0; second < 10; second += 1) meter.record(125_000, second * 1000);
    expect(meter.rateKbps(9_999)).toBeCloseTo(1000, 0);
    expect(decideUpload(settings, wired, meter, 9_999)).toEqual({ upload: false, reason: 'rate_cap' });
    // Five seconds later half of it has aged out: 500 kbit/s.
    expect(meter.rateKbps(14_500)).toBeCloseTo(500, 0);
    expect(decideUpload(settings, wired, meter, 14_500)).toEqual({ upload: true });
    expect(meter.rateKbps(9_000 + UPLOAD_RATE_WINDOW_MS + 1)).toBe(0);
  });

  it('stops for good once the session volume is used up', () => {
    const settings = { ...DEFAULT_SHARING, maxUploadBytesPerSession: 1_000_000 };
    const meter = new UploadMeter();
    meter.record(999_999, 0);
    expect(decideUpload(settings, wired, meter, 0)).toEqual({ upload: true });
    meter.record(1, 1);
    expect(decideUpload(settings, wired, meter, 3_600_000)).toEqual({ upload: false, reason: 'session_cap' });
  });

  it('reads stored settings defensively', () => {
    expect(parseSharingSettings(null)).toEqual(DEFAULT_SHARING);
    expect(parseSharingSettings('share')).toEqual(DEFAULT_SHARING);
    expect(parseSharingSettings({ mode: 'consume-only', maxUploadKbps: -5, maxUploadBytesPerSession: 'lots', shareOnMetered: 1 })).toEqual({
      ...DEFAULT_SHARING,
      mode: 'consume-only',
    });
    expect(parseSharingSettings({ mode: 'share', maxUploadKbps: 2000, maxUploadBytesPerSession: 5e8, shareOnMetered: true })).toEqual({
      mode: 'share',
      maxUploadKbps: 2000,
      maxUploadBytesPerSession: 5e8,
      shareOnMetered: true,
    });
  });
});
