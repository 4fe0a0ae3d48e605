/**
 * Writing the skill: where (a project's skills directory, or the user's), never over a
 * directory someone else wrote (unless forced), always over kb's own earlier install (a
 * manifest beside the files says which files kb wrote, so stale ones are removed and the
 * user's own files are kept). Optionally merges the stop hook into a settings file the
 * user names; nothing else in that file changes.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, normalize, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { gitTopLevel } from '../agents/launch.js';
import { KbError, UsageError } from '../errors.js';
import type { SkillLayout } from './layout.js';
import { hookSettings, type RenderedFile } from './render.js';

/** kb's record of what it wrote, in the skill's directory. */
export const MANIFEST = '.kage-bunshin.json';
const WRITER = 'kage-bunshin';

export interface TargetOptions {
  dir?: string | undefined;
  global?: boolean | undefined;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface Target {
  scope: 'project' | 'user';
  /** The project (or home) directory the skill belongs to. */
  root: string;
  /** The skill's own directory. */
  dir: string;
}

export function resolveTarget(layout: SkillLayout, options: TargetOptions): Target {
  if (options.dir !== undefined && options.global) {
    throw new UsageError('--dir and --global exclude each other', 'pass --dir DIR for a project, or --global for every project of this user');
  }
  if (options.global) {
    const home = options.env.HOME || homedir();
    return { scope: 'user', root: home, dir: join(home, layout.userDir, layout.name) };
  }
  let root: string;
  if (options.dir !== undefined) {
    if (options.dir.trim() === '') throw new UsageError('--dir is empty', 'pass the project directory, e.g. --dir .');
    root = resolve(options.cwd, options.dir);
    if (!existsSync(root) || !statSync(root).isDirectory()) {
      throw new KbError(`--dir ${options.dir}: no such directory (${root})`, { hint: 'pass an existing project directory (the skill goes into DIR/' + `${layout.projectDir}/${layout.name})` });
    }
  } else {
    root = gitTopLevel(options.cwd) ?? resolve(options.cwd);
  }
  return { scope: 'project', root, dir: join(root, layout.projectDir, layout.name) };
}

interface Manifest {
  written_by: string;
  version: string;
  files: string[];
}

async function readManifest(dir: string): Promise<Manifest | null> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST), 'utf8');
  } catch {
    return null;
  }
  try {
    const m = JSON.parse(text) as Partial<Manifest>;
    if (m.written_by !== WRITER || !Array.isArray(m.files)) return null;
    return { written_by: m.written_by, version: String(m.version ?? ''), files: m.files.filter((f): f is string => typeof f === 'string') };
  } catch {
    return null;
  }
}

/** A path from a manifest, if it stays inside the skill's directory. */
function inside(dir: string, rel: string): string | null {
  const n = normalize(rel);
  if (isAbsolute(n) || n === '..' || n.startsWith('../') || n === MANIFEST) return null;
  return join(dir, n);
}

export interface HookChange {
  file: string;
  event: string;
  /** false: the entry was there already. */
  added: boolean;
}

export interface InstallResult {
  status: 'installed';
  skill: string;
  scope: 'project' | 'user';
  dir: string;
  /** Absolute paths of every file written: the skill's, its manifest, the settings file (--hooks). */
  files: string[];
  /** kb's own earlier install was overwritten. */
  overwritten: boolean;
  /** The version of kb that wrote the earlier install (overwritten only). */
  previous_version?: string;
  /** Files of the earlier install that this version no longer writes, removed. */
  removed: string[];
  hooks: HookChange | null;
}

export interface InstallOptions {
  target: Target;
  files: readonly RenderedFile[];
  version: string;
  force?: boolean | undefined;
  /** A settings file to merge the stop hook into (absolute). */
  hooks?: string | undefined;
  layout: SkillLayout;
}

/** Does a group of the settings' hook list already run this command? */
function mentions(value: unknown, command: string): boolean {
  if (typeof value === 'string') return value.trim() === command;
  if (Array.isArray(value)) return value.some((v) => mentions(v, command));
  if (value && typeof value === 'object') return Object.values(value).some((v) => mentions(v, command));
  return false;
}

interface HookPlan {
  file: string;
  text: string | null;
  change: HookChange;
}

/** Reads and checks the settings file first, so a bad one stops the install before anything is written. */
async function planHooks(file: string, layout: SkillLayout): Promise<HookPlan> {
  const { settingsKey, event, command } = layout.stopHook;
  let settings: Record<string, unknown> = {};
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new KbError(`--hooks ${file}: ${(error as Error).message}`, { hint: 'name a settings file kb can read and write', cause: error });
  }
  if (text !== undefined && text.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new KbError(`--hooks ${file} is not valid JSON: ${(error as Error).message}`, { hint: 'fix the file first; kb changes a settings file only when it can keep everything in it' });
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new KbError(`--hooks ${file} does not hold a JSON object`, { hint: 'a settings file is one JSON object; fix it, or name another file' });
    settings = parsed as Record<string, unknown>;
  }
  const hooks = settings[settingsKey];
  if (hooks !== undefined && (!hooks || typeof hooks !== 'object' || Array.isArray(hooks))) {
    throw new KbError(`--hooks ${file}: "${settingsKey}" is not an object`, { hint: `fix "${settingsKey}" in that file first` });
  }
  const list = (hooks as Record<string, unknown> | undefined)?.[event];
  if (list !== undefined && !Array.isArray(list)) throw new KbError(`--hooks ${file}: "${settingsKey}.${event}" is not a list`, { hint: `fix "${settingsKey}.${event}" in that file first` });
  if (Array.isArray(list) && list.some((g) => mentions(g, command))) return { file, text: null, change: { file, event, added: false } };
  const entry = (hookSettings(layout)[settingsKey] as Record<string, unknown[]>)[event]![0];
  const next = { ...settings, [settingsKey]: { ...((hooks as Record<string, unknown>) ?? {}), [event]: [...(list ?? []), entry] } };
  return { file, text: `${JSON.stringify(next, null, 2)}\n`, change: { file, event, added: true } };
}

export async function installSkill(options: InstallOptions): Promise<InstallResult> {
  const { target, layout } = options;
  const dir = target.dir;
  const hookPlan = options.hooks ? await planHooks(options.hooks, layout) : null;
  let previous: Manifest | null = null;
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new KbError(`${dir} exists and is not a directory`, { hint: 'move it away, or install elsewhere (--dir DIR, --global)' });
    previous = await readManifest(dir);
    if (!previous && (await readdir(dir)).length > 0 && !options.force) {
      throw new KbError(`${dir} exists and was not written by kb`, {
        hint: `kb skill install --force writes the skill's files into it anyway (other files there are kept); or move it away`,
      });
    }
  }
  const written: string[] = [];
  for (const f of options.files) {
    const path = join(dir, f.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, f.text);
    written.push(path);
  }
  const removed: string[] = [];
  const now = new Set(options.files.map((f) => normalize(f.path)));
  for (const rel of previous?.files ?? []) {
    if (now.has(normalize(rel))) continue;
    const path = inside(dir, rel);
    if (path && existsSync(path)) {
      await rm(path, { force: true });
      removed.push(path);
    }
  }
  const manifest: Manifest = { written_by: WRITER, version: options.version, files: options.files.map((f) => f.path) };
  await writeFileAtomic(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  written.push(join(dir, MANIFEST));
  if (hookPlan?.text) {
    await mkdir(dirname(hookPlan.file), { recursive: true });
    await writeFileAtomic(hookPlan.file, hookPlan.text);
    written.push(hookPlan.file);
  }
  return {
    status: 'installed',
    skill: layout.name,
    scope: target.scope,
    dir,
    files: written,
    overwritten: previous !== null,
    ...(previous ? { previous_version: previous.version } : {}),
    removed,
    hooks: hookPlan?.change ?? null,
  };
}
