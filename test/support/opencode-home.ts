/**
 * A throw-away HOME for running the REAL opencode (`opencode-ai`) offline against the mock
 * Chat Completions API (test/support/mock-chat.ts), and the same for its forks (Kilo:
 * test/support/kilo-home.ts), which read the same config under their own names.
 *
 *   const mock = await startMockChat({ turns });
 *   const home = await makeOpencodeHome({ baseUrl: mock.url });
 *   // run opencodeBin() with env { ...home.env } in a pane whose cwd is the work dir
 *   await home.cleanup();
 *
 * What the HOME holds (checked on opencode 1.18.33 and Kilo 7.7.9):
 * - `$HOME/.config/<name>/<name>.json`: a provider `mock` (`@ai-sdk/openai-compatible`, bundled
 *   in the binary) whose base URL is the mock, model `mock/gpt-mock`, no autoupdate, no share,
 *   and `permission` `ask` for bash and edit, so approvals are shown. Without `baseUrl` no config
 *   is written: the agent falls back to its own hosted default model (opencode: "Big Pickle
 *   OpenCode Zen", Kilo: "Auto Free Kilo Gateway"), which needs the network.
 * - `$HOME/.npmrc` with `offline=true` and a dead registry: at every start both run a
 *   background `npm install @opencode-ai/plugin` (Kilo: its own plugin package) into the config
 *   directory, from the npm registry. Offline it fails fast and is only logged (a warning in
 *   `$HOME/.local/share/<name>/log/`); the TUI does not depend on it.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How one member of the opencode family names its files and variables. */
export interface OpencodeFlavor {
  /** the program name (`opencode`, `kilo`): config dir and file name, temp dir prefix */
  name: string;
  /** variables that turn off update checks, models.dev fetches, LSP downloads, sharing ... */
  env: Record<string, string>;
}

export const OPENCODE: OpencodeFlavor = {
  name: 'opencode',
  env: {
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
    OPENCODE_DISABLE_SHARE: '1',
    // Skip ~/.claude skills and CLAUDE.md: nothing of the recorder's own user leaks in.
    OPENCODE_DISABLE_CLAUDE_CODE: '1',
  },
};

export interface OpencodeHomeOptions {
  /** the mock's base URL including /v1; absent: no config file at all (the no-provider start) */
  baseUrl?: string;
  /** the `permission` object (default: bash and edit `ask`) */
  permission?: Record<string, unknown>;
  /** more top-level config keys, merged over the defaults */
  config?: Record<string, unknown>;
}

export interface OpencodeHome {
  home: string;
  /** HOME, LANG and the flavour's variables (no path inside HOME: see killProcessesNaming) */
  env: Record<string, string>;
  /** the config file written (undefined without baseUrl) */
  configFile: string | undefined;
  /** Ends leftover processes that name this HOME, then removes it. */
  cleanup(): Promise<void>;
}

/** The model id the mock answers as; opencode picks its tool set by model id (gpt-*: apply_patch). */
export const MOCK_MODEL = 'gpt-mock';

/** The config that points a member of the family at the mock. */
export function mockConfig(baseUrl: string, opts: Pick<OpencodeHomeOptions, 'permission' | 'config'> = {}): Record<string, unknown> {
  return {
    provider: {
      mock: {
        npm: '@ai-sdk/openai-compatible',
        name: 'Mock',
        options: { baseURL: baseUrl, apiKey: 'sk-mock-opencode' },
        models: { [MOCK_MODEL]: { name: 'GPT Mock', tool_call: true, limit: { context: 128_000, output: 8_192 } } },
      },
    },
    model: `mock/${MOCK_MODEL}`,
    autoupdate: false,
    share: 'disabled',
    permission: opts.permission ?? { bash: 'ask', edit: 'ask' },
    ...opts.config,
  };
}

/** npm settings that keep the agents' background plugin install off the network. */
export const OFFLINE_NPMRC = ['registry=http://127.0.0.1:9/', 'offline=true', 'audit=false', 'fund=false', 'update-notifier=false', ''].join('\n');

export async function makeOpencodeLikeHome(flavor: OpencodeFlavor, opts: OpencodeHomeOptions = {}): Promise<OpencodeHome> {
  const home = await mkdtemp(join(tmpdir(), `kb-${flavor.name}-home-`));
  const configDir = join(home, '.config', flavor.name);
  await mkdir(configDir, { recursive: true });
  await writeFile(join(home, '.npmrc'), OFFLINE_NPMRC);
  let configFile: string | undefined;
  if (opts.baseUrl) {
    configFile = join(configDir, `${flavor.name}.json`);
    await writeFile(configFile, `${JSON.stringify(mockConfig(opts.baseUrl, opts), null, 2)}\n`);
  }
  // No XDG_* variables: they would put paths inside HOME on the tmux server's command line
  // (the server keeps the first client's argv), and the agents default to $HOME/.config etc.
  const env: Record<string, string> = { HOME: home, LANG: 'C.UTF-8', ...flavor.env };
  const cleanup = async () => {
    await killProcessesNaming(home);
    await rm(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  };
  return { home, env, configFile, cleanup };
}

export const makeOpencodeHome = (opts: OpencodeHomeOptions = {}) => makeOpencodeLikeHome(OPENCODE, opts);

/**
 * Ends the processes (SIGTERM, then SIGKILL after 2 s) whose command line names a path inside
 * `home`, as mock-openai's killProcessesFrom does, except tmux itself: a tmux server's command
 * line is the argv of the client that started it, which may name the HOME of the first pane.
 * Returns the pids signalled.
 */
export async function killProcessesNaming(home: string): Promise<number[]> {
  const needle = `${home}/`;
  const find = async () => {
    const pids: number[] = [];
    for (const entry of await readdir('/proc').catch(() => [] as string[])) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
      if (!cmdline.includes(needle)) continue;
      const comm = (await readFile(`/proc/${entry}/comm`, 'utf8').catch(() => '')).trim();
      if (comm.startsWith('tmux')) continue;
      pids.push(Number(entry));
    }
    return pids;
  };
  const signal = (pids: number[], sig: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        /* gone */
      }
    }
  };
  const found = await find();
  signal(found, 'SIGTERM');
  for (let i = 0; i < 20; i++) {
    const left = await find();
    if (left.length === 0) break;
    if (i === 19) signal(left, 'SIGKILL');
    else await new Promise((r) => setTimeout(r, 100));
  }
  return found;
}

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The pinned opencode (`opencode-ai` 1.18.33) from node_modules; its process name is `opencode`. */
export function opencodeBin(): string {
  return join(repoRoot, 'node_modules', '.bin', 'opencode');
}
