/**
 * Event-driven cycles: the monitor sleeps until the next interval tick OR until a file it
 * watches changes: the agents' state files and hook event logs (inotify, through fs.watch).
 * A session that blocks is then seen within milliseconds of the agent saying so, whatever
 * --interval is; the interval stays the safety net for screens nothing announces.
 */
import { watch, type FSWatcher } from 'node:fs';

export class Waker {
  private readonly watchers = new Map<string, FSWatcher>();
  private wake: (() => void) | null = null;
  private pending = false;
  /** How many wakeups a watched change caused (for the benchmark). */
  wakeups = 0;

  /** Some directory asked for last time could not be watched (not made yet): ask again. */
  missing = false;

  /** Watches exactly these directories from now on (missing ones are tried again next time). */
  watch(dirs: Iterable<string>): void {
    const wanted = new Set(dirs);
    this.missing = false;
    for (const [dir, w] of this.watchers) {
      if (!wanted.has(dir)) {
        w.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of wanted) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, () => this.notify());
        w.on('error', () => {
          w.close();
          this.watchers.delete(dir);
          this.missing = true;
        });
        this.watchers.set(dir, w);
      } catch {
        // not there yet (the agent makes it when it starts)
        this.missing = true;
      }
    }
  }

  private notify(): void {
    this.pending = true;
    const wake = this.wake;
    if (wake) {
      this.wake = null;
      this.wakeups++;
      wake();
    }
  }

  /** Resolves after ms, when the signal aborts, or when a watched directory changes. */
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted || this.pending) {
        this.pending = false;
        return resolve();
      }
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wake = null;
        this.pending = false;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal.addEventListener('abort', done, { once: true });
      this.wake = done;
    });
  }

  close(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }
}
