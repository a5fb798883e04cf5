import { describe, expect, it } from 'vitest';
import { estimatePackageBytes } from '../../../src/domain/storage/quota';

describe('the reservation for a package uploaded while it encodes', () => {
  it('covers every rendition at 1.5× its target bit rate plus audio, stills and playlists', () => {
    // 60 s of 360p (800 kbit/s) + 720p (2,800): (1,200 + 320 + 4,200 + 320) kbit/s × 60 s / 8 = 45.3 MB.
    const bytes = estimatePackageBytes([{ videoBitrateKbps: 800 }, { videoBitrateKbps: 2_800 }], 60);
    expect(bytes).toBe(Math.ceil((6_040 * 1000 * 60) / 8 + 2 * 1024 * 1024 + 3 * 64 * 1024));
  });

  it('grows with the duration and never goes below the stills allowance', () => {
    const ladder = [{ videoBitrateKbps: 800 }];
    const media = (seconds: number) => estimatePackageBytes(ladder, seconds) - estimatePackageBytes(ladder, 0);
    expect(media(600)).toBe(media(60) * 10);
    expect(estimatePackageBytes(ladder, 0)).toBe(2 * 1024 * 1024 + 2 * 64 * 1024);
  });
});
