/**
 * Time, injected: the session logic (spawn readiness, send verification, stop) and the
 * monitor loop read the clock and sleep through this, so their tests run on a fake clock.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** A clock whose sleep advances virtual time at once: loops run instantly, in order. */
export function virtualClock(start = 1_700_000_000_000): Clock & { advance(ms: number): void } {
  let t = start;
  return {
    now: () => t,
    sleep: async (ms) => {
      t += Math.max(1, ms);
      // Let other pending work (a fake pane's reaction) run between ticks.
      await Promise.resolve();
    },
    advance: (ms) => {
      t += ms;
    },
  };
}
