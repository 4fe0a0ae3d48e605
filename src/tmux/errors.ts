/**
 * The tmux layer's own errors. They carry a message naming what tmux did or said and a hint
 * naming the fix; the top-level handler prints them like every other KbError.
 */
import { KbError, type KbErrorOptions } from '../errors.js';

/** Anything tmux could not do: a failed command, a server that is gone or does not answer. */
export class TmuxError extends KbError {
  constructor(message: string, options: KbErrorOptions = {}) {
    super(message, options);
    this.name = 'TmuxError';
  }
}

/** tmux itself is not installed. */
export class TmuxMissingError extends TmuxError {
  constructor() {
    super('tmux is not installed or not on PATH', {
      hint: 'install tmux 3.2 or later (Debian/Ubuntu: apt-get install -y tmux; macOS: brew install tmux)',
    });
    this.name = 'TmuxMissingError';
  }
}

/** The server did not answer within the deadline (stopped, hung or overloaded). */
export class TmuxTimeoutError extends TmuxError {
  constructor(what: string, ms: number, server: string) {
    super(`tmux ${server} did not answer ${what} within ${ms} ms`, {
      hint: 'the tmux server is stopped or hung: check it with tmux list-sessions (a stopped server resumes with kill -CONT <pid>)',
    });
    this.name = 'TmuxTimeoutError';
  }
}

/** A key name send-keys would not take, or that kb does not send. */
export class TmuxKeyError extends TmuxError {
  constructor(message: string, hint: string) {
    super(message, { hint, exitCode: 2 });
    this.name = 'TmuxKeyError';
  }
}

/** An ssh destination (`--host`) that cannot be used as given: a usage error (exit 2). */
export class SshDestinationError extends TmuxError {
  constructor(message: string, hint: string) {
    super(message, { hint, exitCode: 2 });
    this.name = 'SshDestinationError';
  }
}
