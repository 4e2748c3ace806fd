import { errorText } from '../core/errors';
/**
 * Keeps the screen awake during a run (a demo laptop must not sleep mid fine-tune). Resolves to a
 * release function and a note for the page; browsers without the Wake Lock API, or that refuse
 * it (e.g. a hidden tab), still run: the note says the screen may sleep.
 */
export interface WakeLockHold {
  release(): Promise<void>;
  note: string;
}

export async function holdScreenAwake(): Promise<WakeLockHold> {
  if (!('wakeLock' in navigator)) {
    return { release: async () => {}, note: 'This browser cannot keep the screen awake.' };
  }
  try {
    const sentinel = await navigator.wakeLock.request('screen');
    return {
      release: () => (sentinel.released ? Promise.resolve() : sentinel.release()),
      note: 'Keeping the screen awake while the run is in progress.',
    };
  } catch (error) {
    const reason = errorText(error);
    return {
      release: async () => {},
      note: `The screen may sleep (wake lock refused: ${reason}).`,
    };
  }
}
