/**
 * Writes one fixture pair: <dir>/<name>.pane (raw `capture-pane -p -e`) and <name>.yaml in the
 * expectation format of docs/team-notes.md.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export type State =
  | 'permission_approval'
  | 'yes_no_prompt'
  | 'question'
  | 'idle'
  | 'working'
  | 'exited'
  | 'error'
  | 'unknown';

export interface Label {
  state: State;
  rule: string | null;
  near_miss?: string[];
}

export interface FixtureMeta extends Label {
  agent: string;
  program: string;
  version: string;
  size: string;
  scenario: string;
  pane: { command: string; dead: boolean };
}

function scalar(value: string | null): string {
  if (value === null) return 'null';
  return /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(value) && !/^(null|true|false|yes|no|on|off|~)$/i.test(value)
    ? value
    : JSON.stringify(value);
}

export function fixtureYaml(meta: FixtureMeta, recordedAt = new Date()): string {
  const lines = [
    `agent: ${scalar(meta.agent)}`,
    `program: ${scalar(meta.program)}`,
    `version: ${JSON.stringify(meta.version).replace(/^"(\d+\.\d+\.\d+)"$/, '$1')}`,
    `size: ${meta.size}`,
    `scenario: ${scalar(meta.scenario)}`,
    `state: ${meta.state}`,
    `rule: ${scalar(meta.rule)}`,
    `pane: { command: ${scalar(meta.pane.command)}, dead: ${meta.pane.dead} }`,
  ];
  if (meta.near_miss && meta.near_miss.length > 0) lines.push(`near_miss: [${meta.near_miss.map(scalar).join(', ')}]`);
  lines.push(`recorded_at: ${recordedAt.toISOString().slice(0, 10)}`);
  return `${lines.join('\n')}\n`;
}

export async function writeFixture(dir: string, name: string, raw: string, meta: FixtureMeta): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const pane = path.join(dir, `${name}.pane`);
  const yaml = path.join(dir, `${name}.yaml`);
  await writeFile(pane, raw);
  await writeFile(yaml, fixtureYaml(meta));
  return [pane, yaml];
}
