// npm ci refuses a lock file that lacks an optional dependency ("Missing: X from lock file").
// This registry serves only the linux-x64 builds of some platform packages, so npm install
// leaves the others out: scripts/lock-platform-stubs.mjs adds them. This catches a forgotten run.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('package-lock.json', () => {
  it('has an entry for every optional dependency of every package (run node scripts/lock-platform-stubs.mjs)', () => {
    const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, { optionalDependencies?: Record<string, string> }> };
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const dep of Object.keys(entry.optionalDependencies ?? {})) {
        if (!lock.packages[`${path ? `${path}/` : ''}node_modules/${dep}`] && !lock.packages[`node_modules/${dep}`]) missing.push(`${dep} (of ${path || 'the root'})`);
      }
    }
    expect(missing).toEqual([]);
  });
});
