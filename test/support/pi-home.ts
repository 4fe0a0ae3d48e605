/**
 * A throw-away HOME for running the REAL pi (`@mariozechner/pi-coding-agent`) offline against
 * the mock Chat Completions API (test/support/mock-chat.ts).
 *
 *   const mock = await startMockChat({ turns });
 *   const home = await makePiHome({ baseUrl: mock.url, extensions: ['permission-gate.ts'] });
 *   // run piBin() with home.env and piArgs() in a private tmux pane ...
 *   await home.cleanup();
 *
 * `$HOME/.pi/agent/models.json` names one provider "mock" (OpenAI completions wire) with one
 * model "gpt-mock"; leave `baseUrl` out to get pi's no-provider screens. pi asks no approvals
 * itself: they come from extensions (`ctx.ui.confirm` / `ctx.ui.select`), so `extensions`
 * copies files from the examples pi ships (or writes given sources) into
 * `$HOME/.pi/agent/extensions/`, where pi discovers them.
 */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killProcessesFrom } from './mock-openai.js';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The pinned pi CLI from node_modules (0.73.1). */
export function piBin(): string {
  return join(repoRoot, 'node_modules', '.bin', 'pi');
}

/** The example extensions shipped inside the pinned package. */
export function piExamplesDir(): string {
  return join(repoRoot, 'node_modules', '@mariozechner', 'pi-coding-agent', 'examples', 'extensions');
}

export const PI_PROVIDER = 'mock';
export const PI_MODEL = 'gpt-mock';

/** The provider/model flags that select the mock. */
export function piArgs(): string[] {
  return ['--provider', PI_PROVIDER, '--model', PI_MODEL];
}

/** An extension: a file or folder name from pi's shipped examples, or a file name and its TypeScript source. */
export type PiExtension = string | { name: string; source: string };

export interface PiHomeOptions {
  /** the mock's base URL (…/v1); without it no models.json is written (no provider at all) */
  baseUrl?: string;
  extensions?: PiExtension[];
  /** merged into $HOME/.pi/agent/settings.json */
  settings?: Record<string, unknown>;
}

export interface PiHome {
  home: string;
  /** $HOME/.pi/agent */
  agentDir: string;
  /** HOME, PI_OFFLINE, PI_SKIP_VERSION_CHECK, PI_TELEMETRY, LANG */
  env: Record<string, string>;
  /** Ends pi processes that still name this HOME, then removes it. */
  cleanup(): Promise<void>;
}

/** The models.json that points pi at an OpenAI-compatible mock. */
export function piModelsJson(baseUrl: string): unknown {
  return {
    providers: {
      [PI_PROVIDER]: {
        baseUrl,
        api: 'openai-completions',
        apiKey: 'sk-mock-pi',
        // The mock is a plain Chat Completions server: no developer role, no reasoning_effort.
        compat: { supportsDeveloperRole: false, supportsReasoningEffort: false },
        models: [{ id: PI_MODEL }],
      },
    },
  };
}

export async function makePiHome(opts: PiHomeOptions = {}): Promise<PiHome> {
  const home = await mkdtemp(join(tmpdir(), 'kb-pi-home-'));
  const agentDir = join(home, '.pi', 'agent');
  await mkdir(agentDir, { recursive: true });
  if (opts.baseUrl) await writeFile(join(agentDir, 'models.json'), `${JSON.stringify(piModelsJson(opts.baseUrl), null, 2)}\n`);
  const settings = { enableInstallTelemetry: false, ...(opts.settings ?? {}) };
  await writeFile(join(agentDir, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  if (opts.extensions?.length) {
    const dir = join(agentDir, 'extensions');
    await mkdir(dir, { recursive: true });
    for (const ext of opts.extensions) {
      if (typeof ext === 'string') await cp(join(piExamplesDir(), ext), join(dir, basename(ext)), { recursive: true });
      else await writeFile(join(dir, ext.name), ext.source);
    }
  }
  const env: Record<string, string> = {
    HOME: home,
    PI_OFFLINE: '1',
    PI_SKIP_VERSION_CHECK: '1',
    PI_TELEMETRY: '0',
    LANG: 'C.UTF-8',
  };
  const cleanup = async () => {
    await killProcessesFrom(home);
    await rm(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  };
  return { home, agentDir, env, cleanup };
}
