/**
 * Real Amp CLI screens, offline. Amp talks only to its own service (no custom provider), so
 * AMP_URL points at 127.0.0.1: a stand-in that answers 401 to everything, or a closed port.
 * What it shows then: the login prompts of a HOME without an API key, and the exits of one
 * with a key it cannot check ("Invalid or missing API key", "Couldn't connect to the Amp
 * server"). One Amp at a time, each scenario in a fresh temp HOME and working directory.
 */
import { spawnSync } from 'node:child_process';
import type { PrivateTmux } from '../lib/tmux.js';
import { ampBin, closedLocalUrl, makeAmpHome, startAmpServerStub, type AmpServerStub } from '../../test/support/amp-home.js';
import { runAgent, type AgentRun } from './agent-run.js';
import { runScenarios, savePane, sizeName, tempWorkdir, type Label, type RecordOptions, type Scenario, type Size } from './run-others.js';

type AmpRun = AgentRun<AmpServerStub>;

interface Setup {
  /** an API key in AMP_API_KEY (none: the login flow) */
  apiKey?: boolean;
  /** AMP_URL is a closed port instead of the 401 stand-in */
  unreachable?: boolean;
  /** run an interactive bash in the pane; the scenario starts amp from it */
  shell?: boolean;
}

let ampVersion = '';
/** `amp --version` prints "0.0.1790142911-g7618fb (released ...)": the build id is the version. */
const version = () => {
  if (!ampVersion) {
    const r = spawnSync(ampBin(), ['--version'], { encoding: 'utf8', env: { ...process.env, AMP_URL: 'http://127.0.0.1:9' } });
    ampVersion = /\d+\.\d+\.\d+(-g[0-9a-f]+)?/.exec(`${r.stdout}\n${r.stderr}`)?.[0] ?? 'unknown';
  }
  return ampVersion;
};

async function withAmp(t: PrivateTmux, size: Size, opts: RecordOptions, setup: Setup, body: (r: AmpRun) => Promise<string[]>) {
  const stub = await startAmpServerStub();
  const work = await tempWorkdir({ git: true, prefix: 'kb-rec-amp-work-' });
  const url = setup.unreachable ? await closedLocalUrl() : stub.url;
  const home = await makeAmpHome({ url, ...(setup.apiKey ? { apiKey: 'sgamp_user_mock_0123456789abcdef' } : {}) });
  const argv = setup.shell ? ['bash', '--norc', '--noprofile'] : [ampBin()];
  return runAgent(t, size, opts, { mock: stub, work, home, argv }, body);
}

const scenario = (name: string, setup: Setup, body: (r: AmpRun) => Promise<string[]>): Scenario => ({
  name,
  run: (t, size, opts) => withAmp(t, size, opts, setup, body),
});

const record = async (r: AmpRun, base: string, label: Label): Promise<string> => {
  await r.t.settle(r.pane, 800, 8_000);
  return savePane(r.t, r.pane, r.opts, `${base}-${sizeName(r.size)}`, {
    agent: 'amp',
    program: 'amp',
    version: version(),
    size: sizeName(r.size),
    scenario: base,
    state: label.state,
    rule: label.rule,
    near_miss: label.near_miss,
  });
};

const dead = (r: AmpRun) => r.t.waitFor(r.pane, async () => (await r.t.facts(r.pane)).dead, 'amp to exit', 30_000);
/** The last non-blank line of the screen. */
const lastLine = (s: string) => s.split('\n').filter((l) => l.trim() !== '').at(-1) ?? '';
const YES_NO = /\[\(y\)es, \(n\)o\]:\s*$/;
const CODE = /paste your code here:\s*$/;

export const ampScenarios: Scenario[] = [
  // No API key: "Would you like to log in to Amp? [(y)es, (n)o]:", y (no Enter) prints the login URL
  // and asks for the code from the browser; a short code is refused; Ctrl-C ends the login.
  scenario('login', {}, async (r) => {
    await r.t.waitFor(r.pane, (s) => YES_NO.test(lastLine(s)), 'the login question', 30_000);
    const out = [await record(r, 'login-prompt', { state: 'yes_no_prompt', rule: 'amp/login', near_miss: ['amp/login-code', 'amp/exited'] })];
    await r.t.keys(r.pane, 'y');
    await r.t.waitFor(r.pane, (s) => CODE.test(lastLine(s)), 'the code prompt', 15_000);
    out.push(await record(r, 'login-code', { state: 'question', rule: 'amp/login-code', near_miss: ['amp/login', 'amp/exited'] }));
    await r.t.type(r.pane, 'abc123');
    await r.t.keys(r.pane, 'Enter');
    await r.t.waitFor(r.pane, (s) => /looks incomplete/.test(s) && CODE.test(lastLine(s)), 'the code refused', 15_000);
    out.push(await record(r, 'login-code-retry', { state: 'question', rule: 'amp/login-code', near_miss: ['amp/login'] }));
    await r.t.keys(r.pane, 'C-c');
    await dead(r);
    out.push(await record(r, 'login-interrupted', { state: 'exited', rule: 'generic/pane-dead', near_miss: ['amp/login-code'] }));
    return out;
  }),

  scenario('login-cancelled', {}, async (r) => {
    await r.t.waitFor(r.pane, (s) => YES_NO.test(lastLine(s)), 'the login question', 30_000);
    await r.t.keys(r.pane, 'n');
    await dead(r);
    return [await record(r, 'login-cancelled', { state: 'exited', rule: 'generic/pane-dead', near_miss: ['amp/login', 'amp/login-code'] })];
  }),

  // A key, but the service says 401: "Error: Invalid or missing API key. Run 'amp login' ..." and exit 1.
  scenario('error-auth', { apiKey: true }, async (r) => {
    await dead(r);
    return [await record(r, 'error-auth', { state: 'exited', rule: 'generic/pane-dead', near_miss: ['amp/login-code'] })];
  }),

  // A key, nothing listening: "Error: Couldn't connect to the Amp server at http://127.0.0.1:PORT." and exit 1.
  scenario('error-connect', { apiKey: true, unreachable: true }, async (r) => {
    await dead(r);
    return [await record(r, 'error-connect', { state: 'exited', rule: 'generic/pane-dead', near_miss: ['amp/login-code'] })];
  }),

  // The same from a shell: the error stays above the shell prompt.
  scenario('error-connect-shell', { apiKey: true, unreachable: true, shell: true }, async (r) => {
    await r.t.waitFor(r.pane, /[$#]\s*$/m, 'the shell prompt', 10_000);
    await r.t.type(r.pane, ampBin());
    await r.t.keys(r.pane, 'Enter');
    await r.t.waitFor(r.pane, async (s) => /Couldn't connect/.test(s) && (await r.t.facts(r.pane)).command === 'bash' && /[$#]$/.test(s.trimEnd()), 'the error and the prompt', 30_000);
    return [await record(r, 'error-connect-shell', { state: 'exited', rule: 'amp/exited', near_miss: ['amp/login-code'] })];
  }),

  // The login question asked from a shell, then cancelled: back at the prompt.
  scenario('login-cancelled-shell', { shell: true }, async (r) => {
    await r.t.waitFor(r.pane, /[$#]\s*$/m, 'the shell prompt', 10_000);
    await r.t.type(r.pane, ampBin());
    await r.t.keys(r.pane, 'Enter');
    await r.t.waitFor(r.pane, (s) => YES_NO.test(lastLine(s)), 'the login question', 30_000);
    await r.t.keys(r.pane, 'n');
    await r.t.waitFor(r.pane, async (s) => /Login cancelled/.test(s) && (await r.t.facts(r.pane)).command === 'bash' && /[$#]$/.test(s.trimEnd()), 'the prompt again', 20_000);
    return [await record(r, 'login-cancelled-shell', { state: 'exited', rule: 'amp/exited', near_miss: ['amp/login'] })];
  }),
];

export async function recordAmp(opts: RecordOptions = {}): Promise<{ recorded: string[]; failed: string[] }> {
  return runScenarios(ampScenarios, opts, [
    { w: 120, h: 40 },
    { w: 80, h: 24 },
  ]);
}
