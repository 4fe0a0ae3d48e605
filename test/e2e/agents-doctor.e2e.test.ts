// kb doctor with the pinned agent CLIs: each one is listed "ok" with the version the program
// itself reports (the same as its npm package), matching the version its rules were recorded from.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ampBin } from '../support/amp-home.js';
import { clineBin } from '../support/cline-home.js';
import { copilotBin } from '../support/copilot-home.js';
import { kiloBin } from '../support/kilo-home.js';
import { opencodeBin } from '../support/opencode-home.js';
import { piBin } from '../support/pi-home.js';
import { qwenBin } from '../support/qwen-home.js';
import { makeSandbox } from '../sessions/support.js';

const pkgVersion = (pkg: string) =>
  String((JSON.parse(readFileSync(join(import.meta.dirname, '../../node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version);

const AGENTS = [
  { agent: 'qwen', env: 'KB_QWEN_BIN', bin: qwenBin, pkg: '@qwen-code/qwen-code' },
  { agent: 'copilot', env: 'KB_COPILOT_BIN', bin: copilotBin, pkg: '@github/copilot' },
  { agent: 'pi', env: 'KB_PI_BIN', bin: piBin, pkg: '@mariozechner/pi-coding-agent' },
  { agent: 'cline', env: 'KB_CLINE_BIN', bin: clineBin, pkg: 'cline' },
  { agent: 'amp', env: 'KB_AMP_BIN', bin: ampBin, pkg: '@sourcegraph/amp' },
  { agent: 'opencode', env: 'KB_OPENCODE_BIN', bin: opencodeBin, pkg: 'opencode-ai' },
  { agent: 'kilo', env: 'KB_KILO_BIN', bin: kiloBin, pkg: '@kilocode/cli-linux-x64' },
];

describe('kb doctor', () => {
  it('lists each pinned agent with its version', async () => {
    const sb = await makeSandbox();
    try {
      const env = Object.fromEntries(AGENTS.map((a) => [a.env, a.bin()]));
      const r = await sb.kb(['doctor'], env);
      console.log(r.stdout);
      const lines = r.stdout.split('\n');
      for (const a of AGENTS) {
        const version = pkgVersion(a.pkg);
        const line = lines.find((l) => new RegExp(`^\\S+\\s+${a.agent}\\s`).test(l));
        expect(line, a.agent).toBeDefined();
        expect(line).toMatch(new RegExp(`^ok\\s+${a.agent}\\s+${a.bin().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(${a.env}\\): ${version.replace(/\./g, '\\.')}; rules recorded from ${version.replace(/\./g, '\\.')}$`));
      }
    } finally {
      await sb.cleanup();
    }
  }, 120_000);
});
