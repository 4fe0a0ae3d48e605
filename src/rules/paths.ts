import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (the directory holding package.json), from dist/ or src/ alike. */
export function packageRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

export function builtinRulesDir(): string {
  return join(packageRoot(), 'rules');
}

export function builtinFixturesDir(): string {
  return join(packageRoot(), 'fixtures');
}
