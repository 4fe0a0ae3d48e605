/**
 * Typed errors. Every failure a user can cause is a KbError carrying the exit code and a
 * one-line hint that names the fix; the top-level handler in cli.ts prints
 * `kage-bunshin: <message>` and `  fix: <hint>` on stderr and exits, never a stack trace.
 */

export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  dialog: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface KbErrorOptions {
  hint?: string;
  exitCode?: ExitCode;
  cause?: unknown;
}

export class KbError extends Error {
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(message: string, options: KbErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KbError';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? ExitCode.failure;
  }
}

/** A bad flag value or argument: exit 2. */
export class UsageError extends KbError {
  constructor(message: string, hint?: string) {
    super(message, { hint, exitCode: ExitCode.usage });
    this.name = 'UsageError';
  }
}

/** A rule file (or fixture expectation) that cannot be loaded: names the file and line. */
export class RuleLoadError extends KbError {
  readonly file: string;
  readonly line: number | undefined;

  constructor(file: string, line: number | undefined, message: string, hint?: string) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${message}`, { hint });
    this.name = 'RuleLoadError';
    this.file = file;
    this.line = line;
  }
}

/** Renders any thrown value as the lines printed on stderr. */
export function describeError(error: unknown): { lines: string[]; exitCode: ExitCode } {
  if (error instanceof KbError) {
    const lines = [`kage-bunshin: ${error.message}`];
    if (error.hint) lines.push(`  fix: ${error.hint}`);
    return { lines, exitCode: error.exitCode };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    lines: [
      `kage-bunshin: unexpected internal error: ${message}`,
      '  fix: this is a bug; rerun with KB_DEBUG=1 for the stack trace and report it',
    ],
    exitCode: ExitCode.failure,
  };
}
