/**
 * The session registry: `DIR/kage-bunshin/registry-<session-id>.json`, a JSON object that
 * maps session name to entry (contract.md, "State directory").
 *
 * - Reads never lock: writes are atomic (write-file-atomic writes a temporary file, fsyncs
 *   it and renames it over the registry), so a reader sees the old or the new file, never
 *   half of one.
 * - Every read-modify-write runs under a lock (proper-lockfile: an mkdir-based lock beside
 *   the file, with stale-lock recovery), so concurrent commands never lose an entry.
 * - A file that cannot be parsed is reported with its path and the JSON error, and never
 *   overwritten: it may hold the only record of a fleet of running agents.
 * - Fields this tool does not know (`repo_dir`, anything a later version adds) are kept.
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import lockfile from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';
import { KbError } from '../errors.js';
import { ensurePrivateDir } from '../state/private.js';

export interface RegistryEntry {
  /** The session name (the registry key). */
  name: string;
  model: string | null;
  /** ISO 8601. */
  spawned_at: string;
  /** The worktree name given to `claude --worktree` (null: no worktree). */
  worktree: string | null;
  tmux_session: string;
  /** `%N`; absent in entries written by the original Python tool. */
  pane_id?: string;
  /** The tmux socket name (`tmux -L`); null: the default server; absent: legacy entry. */
  socket?: string | null;
  /** The ssh destination of the machine the session runs on; absent or null: this one. */
  host?: string | null;
  agent?: string;
  cwd?: string;
  /** Absolute path of the agent's worktree, when it has one. */
  worktree_path?: string | null;
  resume_id?: string | null;
  stopped_at?: string | null;
  [field: string]: unknown;
}

export type Registry = Record<string, RegistryEntry>;

export class RegistryMissingError extends KbError {
  readonly path: string;
  constructor(path: string) {
    super(`no registry at ${path}: no session has been spawned with this state directory and session id`, {
      hint: 'spawn a session first (kb spawn ...), or check --state-dir / --session-id / the current directory',
    });
    this.name = 'RegistryMissingError';
    this.path = path;
  }
}

export class RegistryCorruptError extends KbError {
  readonly path: string;
  constructor(path: string, detail: string) {
    super(`registry ${path} cannot be parsed: ${detail}`, {
      hint: 'repair or move the file by hand (kage-bunshin never overwrites it); it may list running sessions',
    });
    this.name = 'RegistryCorruptError';
    this.path = path;
  }
}

function parseRegistry(path: string, text: string): Registry {
  // kb never writes an empty file (writes are atomic), so an empty one was truncated or
  // written by something else: it may have listed running sessions. Report it, never reuse it.
  if (text.trim() === '') throw new RegistryCorruptError(path, 'the file is empty (0 bytes of JSON)');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new RegistryCorruptError(path, (error as Error).message);
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new RegistryCorruptError(path, `expected a JSON object mapping names to entries, found ${Array.isArray(data) ? 'an array' : typeof data}`);
  }
  const registry: Registry = {};
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new RegistryCorruptError(path, `entry ${JSON.stringify(key)} is not an object`);
    }
    const entry = value as RegistryEntry;
    if (typeof entry.name !== 'string' || entry.name === '') entry.name = key;
    registry[key] = entry;
  }
  return registry;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new KbError(`cannot read registry ${path}: ${(error as Error).message}`, {
      hint: 'check the permissions of the state directory',
      cause: error,
    });
  }
}

/** Reads the registry. A missing file is a RegistryMissingError; a bad one a RegistryCorruptError. */
export async function readRegistry(path: string): Promise<Registry> {
  const text = await readText(path);
  if (text === undefined) throw new RegistryMissingError(path);
  return parseRegistry(path, text);
}

/**
 * A reader for a process that reads the same registry over and over (the monitor, every
 * cycle): the file is parsed again only when it was replaced or changed (inode, size and
 * mtime; every write renames a new file over it). `changed` says whether this read found a
 * different file than the last one.
 */
export function registryReader(path: string): () => Promise<{ registry: Registry; changed: boolean }> {
  let last: { stamp: string; registry: Registry } | null = null;
  return async () => {
    let stamp: string;
    try {
      const st = statSync(path, { bigint: true });
      stamp = `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    } catch {
      stamp = '';
    }
    if (last && stamp !== '' && stamp === last.stamp) return { registry: last.registry, changed: false };
    const registry = await readRegistry(path);
    last = stamp === '' ? null : { stamp, registry };
    return { registry, changed: true };
  };
}

/** Like readRegistry, but a missing file is an empty registry. */
export async function readRegistryOrEmpty(path: string): Promise<Registry> {
  const text = await readText(path);
  return text === undefined ? {} : parseRegistry(path, text);
}

const LOCK_OPTIONS = {
  realpath: false,
  // A holder refreshes its lock every stale/2 ms; a lock older than this is a crashed holder's.
  stale: 10_000,
  retries: { retries: 400, factor: 1.2, minTimeout: 5, maxTimeout: 100, randomize: true },
} as const;

/**
 * Read-modify-write under the lock. The mutator gets the current registry (empty when the
 * file does not exist yet), changes it in place, and may return a value that is passed
 * back. If it throws, nothing is written. The file is written only when it changed.
 */
export async function updateRegistry<T>(
  path: string,
  mutator: (registry: Registry) => T | Promise<T>,
): Promise<T> {
  await ensurePrivateDir(dirname(path));
  let compromised: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(path, {
      ...LOCK_OPTIONS,
      onCompromised: (error: Error) => {
        compromised = error;
      },
    });
  } catch (error) {
    throw new KbError(`cannot lock registry ${path}: ${(error as Error).message}`, {
      hint: `another kage-bunshin command holds the lock; if none is running, remove ${path}.lock`,
      cause: error,
    });
  }
  try {
    const before = await readText(path);
    const registry = before === undefined ? {} : parseRegistry(path, before);
    const result = await mutator(registry);
    const after = `${JSON.stringify(registry, null, 2)}\n`;
    if (after !== before) {
      if (compromised) {
        throw new KbError(`lost the lock on registry ${path}: ${compromised.message}`, {
          hint: 'retry the command; the registry was not changed',
        });
      }
      await writeFileAtomic(path, after, { encoding: 'utf8', mode: 0o600 });
    }
    return result;
  } finally {
    await release().catch(() => undefined);
  }
}
