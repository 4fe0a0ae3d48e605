// `kb skill install` read by a fresh REAL Claude Code 2.1.330 (against the mock Messages API,
// a temporary HOME, a private tmux server): the session lists the skill on its /skills
// screen, lists it to the model (the request's skill listing and the transcript's
// skill_listing attachment), and loads SKILL.md when the model invokes it. Run it alone.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadLayout } from '../../src/skill/layout.js';
import { runCli } from '../support/cli.js';
import { claudeBin, makeClaudeHome, type ClaudeHome } from '../support/claude-home.js';
import { startMockAnthropic, type MockAnthropic, type MockTurn } from '../support/mock-anthropic.js';
import { privateServer, type PrivateServer } from '../monitor/support.js';

const layout = loadLayout();
let server: PrivateServer;
let mock: MockAnthropic;
let home: ClaudeHome;
let repo: string;
let skillDir: string;
let description: string;
let pane: string;

/** The model invokes the skill on the first main-loop turn, then answers plainly. */
function turnFor(body: unknown): MockTurn | undefined {
  const b = body as { tools?: Array<{ name: string }>; messages?: unknown[] };
  if (!b.tools?.length) return undefined; // side calls
  if (JSON.stringify(b.messages ?? []).includes('tool_result')) return { kind: 'text', text: 'The fleet skill is loaded.' };
  return { kind: 'tool_use', name: 'Skill', input: { skill: layout.name }, text: 'I will use the fleet skill.' };
}

const screen = () => server.tmux('capture-pane', '-p', '-t', pane);

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${await screen().catch(() => '')}`);
}

beforeAll(async () => {
  repo = await realpath(await mkdtemp(path.join(os.tmpdir(), 'kb-skill-e2e-')));
  execFileSync('git', ['init', '-q'], { cwd: repo });
  const installed = await runCli(['skill', 'install', '--dir', repo], { env: { HOME: repo } });
  expect(installed.exitCode, installed.stderr).toBe(0);
  skillDir = (JSON.parse(installed.stdout) as { dir: string }).dir;
  expect(skillDir).toBe(path.join(repo, layout.projectDir, layout.name));
  const front = /^---\n([\s\S]*?)\n---\n/.exec(readFileSync(path.join(skillDir, 'SKILL.md'), 'utf8'))![1]!;
  description = (parse(front) as { description: string }).description;

  server = await privateServer();
  mock = await startMockAnthropic({ onRequest: turnFor });
  home = await makeClaudeHome({ trustDirs: [repo] });
  await server.session('keeper', 'sleep 3600');
  const env = { ...home.env, ANTHROPIC_BASE_URL: mock.url, TERM: 'xterm-256color', LANG: 'C.UTF-8' };
  const flags = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  pane = (
    await server.tmux('new-session', '-d', '-P', '-F', '#{pane_id}', '-s', 'orchestrator', '-x', '120', '-y', '40', '-c', repo, ...flags, `${claudeBin('2.1.330')} --permission-mode default`)
  ).trim();
  await until('the idle prompt', async () => /\? for shortcuts/.test(await screen()));
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await mock?.close();
  await home?.cleanup();
  if (repo) await rm(repo, { recursive: true, force: true });
});

it('lists the installed skill on its /skills screen, as a project skill', async () => {
  await server.tmux('send-keys', '-t', pane, '-l', '/skills');
  await until('the /skills command in the input', async () => /❯ \/skills\b/.test(await screen()));
  await server.tmux('send-keys', '-t', pane, 'Enter');
  await until('the skills list', async () => new RegExp(`${layout.name}\\s+project\\b`).test(await screen()));
  const shown = await screen();
  expect(shown).toMatch(/^\s*Skills\s*$/m);
  expect(shown).toMatch(new RegExp(`[❯ ] ✔ ${layout.name}\\s+project · ~\\d+ tokens`));
  await server.tmux('send-keys', '-t', pane, 'Escape');
  await until('the prompt again', async () => /\? for shortcuts/.test(await screen()));
}, 120_000);

it('lists it to the model with its description, records that listing, and loads SKILL.md when invoked', async () => {
  await server.tmux('send-keys', '-t', pane, '-l', 'Run these three refactors in parallel agents');
  await new Promise((r) => setTimeout(r, 500));
  await server.tmux('send-keys', '-t', pane, 'Enter');
  await until('the skill loaded and the answer', async () => /Loaded skill/.test(await screen()) && /The fleet skill is loaded\./.test(await screen()));

  const main = mock.requests.filter((b) => ((b as { tools?: unknown[] }).tools ?? []).length > 0);
  expect(main.length).toBeGreaterThanOrEqual(2);
  // The listing the model sees: "- kage-bunshin: <description>".
  expect(JSON.stringify(main[0])).toContain(JSON.stringify(`- ${layout.name}: ${description}`).slice(1, 80));
  // The transcript records the same listing as a skill_listing attachment.
  const projects = path.join(home.home, '.claude', 'projects');
  expect(existsSync(projects)).toBe(true);
  const listings = readdirSync(projects)
    .flatMap((d) => readdirSync(path.join(projects, d)).filter((f) => f.endsWith('.jsonl')).map((f) => path.join(projects, d, f)))
    .flatMap((f) => readFileSync(f, 'utf8').split('\n'))
    .filter((l) => l.includes('"skill_listing"'))
    .map((l) => JSON.parse(l) as { attachment: { type: string; content: string } });
  expect(listings.length).toBeGreaterThan(0);
  expect(listings.some((l) => l.attachment.type === 'skill_listing' && l.attachment.content.includes(`- ${layout.name}: ${description.slice(0, 60)}`))).toBe(true);
  // Invoking it gives the model the skill's body, from where kb wrote it.
  const after = JSON.stringify(main[main.length - 1]);
  expect(after).toContain(`Base directory for this skill: ${skillDir}`);
  expect(after).toContain('# kage-bunshin: a fleet of agents in tmux');
  expect(after).toContain('kb --session-id fleet1 monitor --until idle');
}, 120_000);
