import { describe, expect, it } from 'vitest';
import {
  RATE_WINDOW_MS,
  downloadComplete,
  downloadEta,
  downloadFraction,
  downloadRate,
  formatBytes,
  recordDownload,
  type DownloadEvent,
  type DownloadState,
} from '../../../src/lib/downloadProgress';

const FILE = 'model.safetensors';

/** Folds `[atMs, loadedBytes]` points of one download with a fixed total. */
function fold(points: [number, number][], totalBytes: number | null = 10_000_000): DownloadState {
  let state: DownloadState | null = null;
  for (const [at, loadedBytes] of points) {
    const event: DownloadEvent = { repo: 'tiny/llama@main', file: FILE, loadedBytes, totalBytes };
    state = recordDownload(state, event, at);
  }
  if (state === null) throw new Error('no points');
  return state;
}

describe('download progress (run monitor and "Try the model")', () => {
  it('measures the rate from the events and derives the ETA from it', () => {
    // 1 MB per second for two seconds.
    const state = fold([
      [0, 0],
      [1000, 1_000_000],
      [2000, 2_000_000],
    ]);
    expect(state.repo).toBe('tiny/llama@main');
    expect(state.startedAt).toBe(0);
    expect(downloadFraction(state)).toBeCloseTo(0.2);
    expect(downloadRate(state, 2000)).toBeCloseTo(1_000_000);
    expect(downloadEta(state, 2000)).toBeCloseTo(8);
  });

  it('follows the recent pace, not the average since the start', () => {
    // Slow for 10 s (100 kB/s), then 2 MB/s for the last 5 s.
    const state = fold(
      [
        [0, 0],
        [10_000, 1_000_000],
        [12_500, 6_000_000],
        [15_000, 11_000_000],
      ],
      20_000_000,
    );
    expect(downloadRate(state, 15_000)).toBeCloseTo(2_000_000);
    expect(state.samples.length).toBeLessThanOrEqual(3);
  });

  it('slows down, then says nothing moves, when the events stop', () => {
    const state = fold([
      [0, 0],
      [1000, 1_000_000],
    ]);
    const later = downloadRate(state, 3000);
    expect(later).toBeCloseTo(1_000_000 / 3);
    expect(downloadRate(state, 1000 + RATE_WINDOW_MS + 1)).toBe(0);
    expect(downloadEta(state, 1000 + RATE_WINDOW_MS + 1)).toBeUndefined();
  });

  it('has no rate from a single burst (a cache hit) and none once complete', () => {
    expect(downloadRate(fold([[500, 4_000_000]]), 500)).toBeUndefined();
    const done = fold([
      [0, 0],
      [1000, 10_000_000],
    ]);
    expect(downloadComplete(done)).toBe(true);
    expect(downloadFraction(done)).toBe(1);
    expect(downloadRate(done, 1000)).toBeUndefined();
  });

  it('shows bytes only while the total is unknown', () => {
    const state = fold(
      [
        [0, 0],
        [1000, 500_000],
      ],
      null,
    );
    expect(downloadFraction(state)).toBeNull();
    expect(downloadComplete(state)).toBe(false);
    expect(downloadRate(state, 1000)).toBeCloseTo(500_000);
    expect(downloadEta(state, 1000)).toBeUndefined();
  });

  it('writes sizes in decimal units, as the Hub lists them', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(12_345)).toBe('12.3 kB');
    expect(formatBytes(1_250_000_000)).toBe('1.25 GB');
    expect(formatBytes(269_060_000)).toBe('269 MB');
  });
});
