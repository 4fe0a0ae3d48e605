/**
 * Renders the skill: the templates of skill/ (the narrative, written by hand) with their
 * {{placeholders}} filled from the program itself (the command reference, the global
 * options, the state table, the hook snippet). Pure: the same program, layout and version
 * always give the same text.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { KbError } from '../errors.js';
import { INTERVENTION_STATES, STATES } from '../rules/schema.js';
import type { SkillLayout } from './layout.js';
import { commandDocs, commandsTable, globalOptionsInline, globalOptionsList, orderDocs, referenceMarkdown } from './reference.js';
import { reminderText } from './remind.js';

export interface RenderedFile {
  /** Relative to the skill's directory. */
  path: string;
  text: string;
}

function statesTable(layout: SkillLayout): string {
  const missing = STATES.filter((s) => !layout.states[s]);
  const extra = Object.keys(layout.states).filter((s) => !(STATES as readonly string[]).includes(s));
  if (missing.length || extra.length) {
    throw new KbError(
      `${join(layout.dataDir, 'skill.yaml')}: "states" must describe exactly the classifier's states${missing.length ? `; missing: ${missing.join(', ')}` : ''}${extra.length ? `; unknown: ${extra.join(', ')}` : ''}`,
      { hint: `the states are: ${STATES.join(', ')}` },
    );
  }
  const needs = (s: string) => (INTERVENTION_STATES.has(s as never) ? 'yes' : s === 'error' ? 'with `monitor --report-errors`' : 'no');
  return ['| state | meaning | needs you |', '|---|---|---|', ...STATES.map((s) => `| \`${s}\` | ${layout.states[s]!.replace(/\|/g, '\\|')} | ${needs(s)} |`)].join('\n');
}

/** The settings snippet that adds the stop hook (what `--hooks FILE` merges). */
export function hookSettings(layout: SkillLayout): Record<string, unknown> {
  return { [layout.stopHook.settingsKey]: { [layout.stopHook.event]: [layout.stopHook.entry] } };
}

/** The values of every placeholder. */
export function placeholders(program: Command, layout: SkillLayout, version: string): Record<string, string> {
  let docs = commandDocs(program);
  try {
    docs = orderDocs(docs, layout.commandOrder);
  } catch (error) {
    throw new KbError(`${join(layout.dataDir, 'skill.yaml')}: "command_order": ${(error as Error).message}`, {
      hint: `the commands are: ${docs.filter((d) => d.path.length).map((d) => d.path.join(' ')).join(', ')}`,
    });
  }
  const root = docs[0]!;
  return {
    version,
    skill_name: layout.name,
    states: statesTable(layout),
    commands_table: commandsTable(docs),
    reference: referenceMarkdown(docs),
    global_options: globalOptionsInline(root),
    global_options_list: globalOptionsList(root),
    hook_event: layout.stopHook.event,
    hook_command: layout.stopHook.command,
    hook_settings: JSON.stringify(hookSettings(layout), null, 2),
    hook_example: reminderText([
      {
        sessionId: 'fleet1',
        sessions: [
          { name: 'fix-login', state: 'idle' },
          { name: 'add-tests', state: 'working' },
        ],
      },
    ]),
  };
}

/** Fills `{{name}}` placeholders; an unknown one is an error naming the template and line. */
export function fill(template: string, values: Readonly<Record<string, string>>, source: string): string {
  return template.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (match, key: string, offset: number) => {
    const value = values[key];
    if (value === undefined) {
      const line = template.slice(0, offset).split('\n').length;
      throw new KbError(`${source}:${line}: unknown placeholder ${match}`, { hint: `the placeholders are: ${Object.keys(values).join(', ')}` });
    }
    return value;
  });
}

export function renderSkill(program: Command, layout: SkillLayout, version: string): RenderedFile[] {
  const values = placeholders(program, layout, version);
  return layout.files.map((path) => {
    const source = join(layout.dataDir, path);
    let template: string;
    try {
      template = readFileSync(source, 'utf8');
    } catch (error) {
      throw new KbError(`cannot read the skill template ${source}: ${(error as Error).message}`, {
        hint: 'this file ships with kage-bunshin: reinstall the package',
        cause: error,
      });
    }
    return { path, text: fill(template, values, source) };
  });
}
