/**
 * The skill as data: `skill/skill.yaml` at the package root says where the skill goes, which
 * templates it has, what each state means to an orchestrator, and the hook protocol of the
 * program that loads it. Read at run time, so src/ names no agent CLI.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, normalize } from 'node:path';
import { parse } from 'yaml';
import { KbError } from '../errors.js';
import { packageRoot } from '../rules/paths.js';

export interface StopHook {
  event: string;
  command: string;
  settingsKey: string;
  /** One group of the settings file's hook list, as the file holds it. */
  entry: Record<string, unknown>;
  /** A settings file to name in examples (--hooks). */
  settingsExample: string;
  quietWhen: string[];
  cwdField: string;
  output: Record<string, unknown>;
  reasonField: string;
}

export interface SkillLayout {
  /** The directory holding skill.yaml and the templates. */
  dataDir: string;
  name: string;
  program: string;
  projectDir: string;
  userDir: string;
  /** Template paths relative to dataDir; each is written to the same path in the skill. */
  files: string[];
  states: Record<string, string>;
  /** Commands shown first, in this order (paths such as `spawn`, `skill install`). */
  commandOrder: string[];
  stopHook: StopHook;
}

export function skillDataDir(): string {
  return join(packageRoot(), 'skill');
}

function bad(file: string, what: string): KbError {
  return new KbError(`${file}: ${what}`, { hint: 'this file ships with kage-bunshin: reinstall the package, or fix the file' });
}

function str(file: string, data: Record<string, unknown>, key: string): string {
  const v = data[key];
  if (typeof v !== 'string' || v.trim() === '') throw bad(file, `"${key}" must be a non-empty string`);
  return v;
}

function obj(file: string, data: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = data[key];
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad(file, `"${key}" must be a mapping`);
  return v as Record<string, unknown>;
}

function strings(file: string, data: Record<string, unknown>, key: string): string[] {
  const v = data[key];
  if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string' && s !== '')) throw bad(file, `"${key}" must be a list of strings`);
  return v as string[];
}

/** A relative path that stays inside its directory. */
function relativePath(file: string, key: string, p: string): string {
  const n = normalize(p);
  if (isAbsolute(n) || n === '..' || n.startsWith('../')) throw bad(file, `"${key}": ${JSON.stringify(p)} must be a relative path inside the directory`);
  return n;
}

export function loadLayout(dataDir = skillDataDir()): SkillLayout {
  const file = join(dataDir, 'skill.yaml');
  let data: unknown;
  try {
    data = parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new KbError(`cannot read the skill's layout ${file}: ${(error as Error).message}`, {
      hint: 'this file ships with kage-bunshin: reinstall the package',
      cause: error,
    });
  }
  if (!data || typeof data !== 'object') throw bad(file, 'must be a mapping');
  const d = data as Record<string, unknown>;
  const name = str(file, d, 'name');
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(name)) throw bad(file, `"name" ${JSON.stringify(name)} must be lowercase letters, digits and hyphens`);
  const states = obj(file, d, 'states');
  for (const [k, v] of Object.entries(states)) if (typeof v !== 'string' || !v) throw bad(file, `states.${k} must be a string`);
  const hook = obj(file, d, 'stop_hook');
  return {
    dataDir,
    name,
    program: str(file, d, 'program'),
    projectDir: relativePath(file, 'project_dir', str(file, d, 'project_dir')),
    userDir: relativePath(file, 'user_dir', str(file, d, 'user_dir')),
    files: strings(file, d, 'files').map((f) => relativePath(file, 'files', f)),
    states: states as Record<string, string>,
    commandOrder: strings(file, d, 'command_order'),
    stopHook: {
      event: str(file, hook, 'event'),
      command: str(file, hook, 'command'),
      settingsKey: str(file, hook, 'settings_key'),
      entry: obj(file, hook, 'entry'),
      settingsExample: str(file, hook, 'settings_example'),
      quietWhen: strings(file, hook, 'quiet_when'),
      cwdField: str(file, hook, 'cwd_field'),
      output: obj(file, hook, 'output'),
      reasonField: str(file, hook, 'reason_field'),
    },
  };
}
