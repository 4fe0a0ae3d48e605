/**
 * monitor's flags, validated at the edge: each bad value names the option and the value.
 * Durations are seconds (decimals allowed) and become milliseconds here.
 */
import { UsageError } from '../errors.js';
import type { Until } from './decide.js';
import type { MonitorOptions } from './loop.js';

export interface MonitorFlags {
  interval: string;
  timeout: string;
  until: string;
  settle: string;
  match?: string;
  reportErrors?: boolean;
  watch?: boolean;
  explain?: boolean;
}

function seconds(flag: string, value: string, min: number, allowZero: boolean): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || (!allowZero && n === 0) || (n > 0 && n < min)) {
    throw new UsageError(
      `invalid ${flag} ${JSON.stringify(value)}: expected a number of seconds${allowZero ? ' (0 or more)' : ` of at least ${min}`}`,
      `for example ${flag} ${flag === '--interval' ? '5' : flag === '--timeout' ? '300' : '1'}`,
    );
  }
  return Math.round(n * 1000);
}

export function parseMonitorFlags(flags: MonitorFlags): MonitorOptions & { match: string | undefined; explain: boolean } {
  if (flags.until !== 'exited' && flags.until !== 'idle') {
    throw new UsageError(`invalid --until ${JSON.stringify(flags.until)}: expected exited or idle`, 'use --until exited (the default) or --until idle');
  }
  if (flags.match !== undefined && flags.match.trim() === '') {
    throw new UsageError('invalid --match "": expected a glob', 'for example --match "fix-*"');
  }
  return {
    intervalMs: seconds('--interval', flags.interval, 0.05, false),
    timeoutMs: seconds('--timeout', flags.timeout, 0.001, true),
    settleMs: seconds('--settle', flags.settle, 0, true),
    until: flags.until as Until,
    match: flags.match,
    reportErrors: flags.reportErrors === true,
    watch: flags.watch === true,
    explain: flags.explain === true,
  };
}
