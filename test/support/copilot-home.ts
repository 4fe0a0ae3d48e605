/**
 * A throw-away HOME for running the REAL GitHub Copilot CLI offline against the mock Chat
 * Completions API (test/support/mock-chat.ts), as BYOK ("bring your own key"). Checked on 1.0.102.
 *
 *   const mock = await startMockChat({ turns });
 *   const home = await makeCopilotHome({ baseUrl: mock.url, trustDirs: [work] });
 *   // run copilotBin() with env home.env, cwd work
 *   await home.cleanup();
 *
 * `COPILOT_OFFLINE=true` turns off GitHub sign-in, telemetry, web tools, the GitHub MCP server
 * and auto-update; it needs `COPILOT_PROVIDER_BASE_URL` (without one Copilot prints "Offline
 * mode requires a local model provider" and exits). `COPILOT_MODEL` is the model id sent to the
 * mock; `COPILOT_PROVIDER_MODEL_ID` names a model Copilot knows (default gpt-4.1): with an
 * unknown id it warns "Model ... is not in the built-in catalog" and offers no create/edit
 * tools. Trusted folders live in `~/.copilot/config.json` (`trustedFolders`); a folder not in
 * it gets "Confirm folder trust" first. The npm loader runs a native binary that unpacks about
 * 235 MB into `~/.cache/copilot/pkg` on first start (about a second): inside the HOME, removed
 * with it.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { killProcessesFrom } from './mock-openai.js';

export interface CopilotHomeOptions {
  /** the mock's base URL (with /v1); absent: no provider, so offline Copilot refuses to start */
  baseUrl?: string;
  /** folders written as trusted to ~/.copilot/config.json (others get the trust dialog) */
  trustDirs?: string[];
  /** COPILOT_MODEL, the id the requests carry (default gpt-mock) */
  model?: string;
  /** COPILOT_PROVIDER_MODEL_ID, a model Copilot knows the limits and tools of (default gpt-4.1; null: unset) */
  modelId?: string | null;
}

export interface CopilotHome {
  home: string;
  /** HOME, COPILOT_OFFLINE, COPILOT_AUTO_UPDATE, COPILOT_PROVIDER_* and COPILOT_MODEL (with baseUrl), LANG, COLORTERM */
  env: Record<string, string>;
  /** Ends every process still running from this HOME (by pid), then removes it. */
  cleanup(): Promise<void>;
}

export async function makeCopilotHome(opts: CopilotHomeOptions = {}): Promise<CopilotHome> {
  const home = await mkdtemp(join(tmpdir(), 'kb-copilot-home-'));
  const dir = join(home, '.copilot');
  await mkdir(dir, { recursive: true });
  if (opts.trustDirs?.length) {
    await writeFile(join(dir, 'config.json'), `${JSON.stringify({ trustedFolders: opts.trustDirs }, null, 2)}\n`);
  }
  const modelId = opts.modelId === undefined ? 'gpt-4.1' : opts.modelId;
  const env: Record<string, string> = {
    HOME: home,
    LANG: 'C.UTF-8',
    COLORTERM: 'truecolor',
    COPILOT_OFFLINE: 'true',
    COPILOT_AUTO_UPDATE: 'false',
    ...(opts.baseUrl
      ? {
          COPILOT_PROVIDER_BASE_URL: opts.baseUrl,
          COPILOT_PROVIDER_API_KEY: 'sk-mock-copilot',
          COPILOT_MODEL: opts.model ?? 'gpt-mock',
          ...(modelId ? { COPILOT_PROVIDER_MODEL_ID: modelId } : {}),
        }
      : {}),
  };
  const cleanup = async () => {
    // Copilot writes its session state and logs into ~/.copilot as it exits.
    await killProcessesFrom(home);
    await rm(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  };
  return { home, env, cleanup };
}

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The pinned Copilot CLI from node_modules (1.0.102; a node loader that runs the native binary). */
export function copilotBin(): string {
  return join(repoRoot, 'node_modules', '.bin', 'copilot');
}
