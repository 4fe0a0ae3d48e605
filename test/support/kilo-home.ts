/**
 * A throw-away HOME for running the REAL Kilo CLI (`@kilocode/cli-linux-x64` 7.7.9, an opencode
 * fork) offline against the mock Chat Completions API: the opencode config as
 * `$HOME/.config/kilo/kilo.json`, KILO_* variables instead of OPENCODE_* ones
 * (test/support/opencode-home.ts has the details).
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeOpencodeLikeHome, type OpencodeFlavor, type OpencodeHomeOptions } from './opencode-home.js';

export const KILO: OpencodeFlavor = {
  name: 'kilo',
  env: {
    KILO_DISABLE_AUTOUPDATE: '1',
    KILO_DISABLE_MODELS_FETCH: '1',
    KILO_DISABLE_LSP_DOWNLOAD: '1',
    KILO_DISABLE_SHARE: '1',
    KILO_DISABLE_CLAUDE_CODE: '1',
    // Kilo also uploads sessions to its cloud and sends PostHog telemetry unless told not to
    // (any KILO_TELEMETRY_LEVEL other than "all" turns telemetry off).
    KILO_DISABLE_SESSION_INGEST: '1',
    KILO_TELEMETRY_LEVEL: 'off',
  },
};

export const makeKiloHome = (opts: OpencodeHomeOptions = {}) => makeOpencodeLikeHome(KILO, opts);

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/**
 * The pinned Kilo binary. The `@kilocode/cli` wrapper cannot be installed here (its postinstall
 * fetches platform binaries), so this is the platform package's own executable; its process
 * name is `kilo`.
 */
export function kiloBin(): string {
  return join(repoRoot, 'node_modules', '@kilocode', 'cli-linux-x64', 'bin', 'kilo');
}
