/** `npm run schema`: writes rules/schema.json from the TypeBox source of truth. */
import { writeFileSync } from 'node:fs';
import { builtinRulesDir } from './paths.js';
import { join } from 'node:path';
import { ruleFileJsonSchema } from './pack-schema.js';

export function renderSchema(): string {
  return `${JSON.stringify(ruleFileJsonSchema(), null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = join(builtinRulesDir(), 'schema.json');
  writeFileSync(target, renderSchema());
  process.stdout.write(`wrote ${target}\n`);
}
