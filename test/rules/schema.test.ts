import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderSchema } from '../../src/rules/write-schema.js';
import { findRuleFiles } from '../../src/rules/load.js';
import { builtinRulesDir } from '../../src/rules/paths.js';

describe('rules/schema.json', () => {
  it('is exactly what the TypeBox source generates (run `npm run schema` after changing src/rules/schema.ts)', () => {
    expect(readFileSync(`${builtinRulesDir()}/schema.json`, 'utf8')).toBe(renderSchema());
  });

  it('is referenced from every built-in rule file for editor completion', () => {
    const files = findRuleFiles(builtinRulesDir());
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      expect(readFileSync(file, 'utf8').split('\n')[0], file).toMatch(/^# yaml-language-server: \$schema=(\.\.\/)*schema\.json$/);
    }
  });
});
