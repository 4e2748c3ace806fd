/**
 * A Hub model's download as the page shows it: bytes so far, the total while known, and a rate
 * and ETA computed from the progress events themselves (the worker reports bytes, not speed).
 * Used by the run monitor (pipeline `download` events) and the "Try the model" box (the
 * `generate` call's `download` events). Pure: states are replaced, never mutated.
 */

/** What a `download` event says (workers/protocol.ts). */
export interface DownloadEvent {
  repo: string;
  file: string;
  loadedBytes: number;
  totalBytes: number | null;
}

interface Sample {
  at: number;
  loadedBytes: number;
}

export interface DownloadState {
  repo: string;
  /** The file being received. */
  file: string;
  loadedBytes: number;
  totalBytes: number | null;
  startedAt: number;
  updatedAt: number;
  /** Recent (time, bytes) points, oldest first, for the rate. */
  samples: readonly Sample[];
}

/** The rate is taken over this recent window, so it follows a connection that speeds up or stalls. */
export const RATE_WINDOW_MS = 5000;
/** A rate over less time than this is noise (and a cache hit arrives all at once). */
const MIN_RATE_SPAN_MS = 250;

/** `state` with `event` (received at `at`, in ms) folded in; a new download when `state` is null. */
export function recordDownload(
  state: DownloadState | null,
  event: DownloadEvent,
  at: number,
): DownloadState {
  const previous = state?.samples ?? [];
  // Keep the latest sample at least a window old, so the rate always spans a full window.
  const firstInWindow = previous.findIndex((s) => s.at > at - RATE_WINDOW_MS);
  const kept =
    firstInWindow === -1 ? previous.slice(-1) : previous.slice(Math.max(0, firstInWindow - 1));
  return {
    repo: event.repo,
    file: event.file,
    loadedBytes: event.loadedBytes,
    totalBytes: event.totalBytes,
    startedAt: state?.startedAt ?? at,
    updatedAt: at,
    samples: [...kept, { at, loadedBytes: event.loadedBytes }],
  };
}

/** True once every byte announced has arrived (the total may still grow with the next shard). */
export function downloadComplete(state: DownloadState): boolean {
  return state.totalBytes !== null && state.loadedBytes >= state.totalBytes;
}

/** 0..1, or null while the total is unknown. */
export function downloadFraction(state: DownloadState): number | null {
  if (state.totalBytes === null) return null;
  if (state.totalBytes <= 0) return 1;
  return Math.min(1, state.loadedBytes / state.totalBytes);
}

/**
 * Bytes per second over the last `RATE_WINDOW_MS` up to `now`: a download that stops sending
 * slows down on screen instead of keeping its last speed. Undefined until there is enough to
 * measure, and once it is complete.
 */
export function downloadRate(state: DownloadState, now: number): number | undefined {
  if (downloadComplete(state)) return undefined;
  const end = Math.max(now, state.updatedAt);
  // The latest point at least a window old, else the oldest one.
  let base = state.samples[0];
  for (const sample of state.samples) {
    if (sample.at > end - RATE_WINDOW_MS) break;
    base = sample;
  }
  const span = end - base.at;
  if (span < MIN_RATE_SPAN_MS) return undefined;
  return Math.max(0, state.loadedBytes - base.loadedBytes) / (span / 1000);
}

/** Seconds left at the current rate; undefined while the total or the rate is unknown. */
export function downloadEta(state: DownloadState, now: number): number | undefined {
  const rate = downloadRate(state, now);
  if (state.totalBytes === null || rate === undefined || rate <= 0) return undefined;
  return Math.max(0, state.totalBytes - state.loadedBytes) / rate;
}

/** "512 B", "12.3 kB", "1.25 GB": decimal units, as the Hub lists file sizes. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${Math.round(bytes)} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${units[unit]}`;
}
