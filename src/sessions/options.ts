/** Option parsers shared by the session commands. */
import { InvalidArgumentError } from 'commander';
import { UsageError } from '../errors.js';

export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Session names become tmux session names and file-name parts: `[A-Za-z0-9_-]`, 1 to 64. */
export function requireName(name: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw new UsageError(
      `invalid --name ${JSON.stringify(name)}: use 1 to 64 characters from A-Z a-z 0-9 _ -`,
      'tmux rewrites "." and ":" and expands "#{...}" in session names, so only these are allowed',
    );
  }
  return name;
}

export function positiveNumber(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a positive number, got ${JSON.stringify(value)}`);
    return n;
  };
}

export function positiveInteger(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a positive integer, got ${JSON.stringify(value)}`);
    return n;
  };
}
