#!/usr/bin/env node
// The npm registry this project is built against serves only the linux-x64 builds of some
// agent CLIs' platform packages (the others answer 404), so `npm install` leaves them out
// of package-lock.json, and `npm ci` then refuses the lock as out of sync ("Missing: X from
// lock file"). This adds each missing optional platform package as an entry that names its
// os/cpu/libc: npm ci skips it on this platform, as it would any other platform's build.
// Run after changing dependencies: node scripts/lock-platform-stubs.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const packages = lock.packages;

function platformOf(name) {
  const tokens = name.toLowerCase().split(/[-/@_]+/);
  const os = tokens.includes('darwin') ? 'darwin' : tokens.includes('win32') || tokens.includes('windows') ? 'win32' : tokens.includes('linux') ? 'linux' : null;
  const cpu = tokens.includes('arm64') ? 'arm64' : tokens.includes('x64') ? 'x64' : tokens.includes('ia32') ? 'ia32' : null;
  const libc = tokens.includes('musl') ? 'musl' : tokens.includes('gnu') ? 'glibc' : null;
  return { os, cpu, libc };
}

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [dep, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${path ? `${path}/` : ''}node_modules/${dep}`;
    if (packages[nested] || packages[`node_modules/${dep}`]) continue;
    const { os, cpu, libc } = platformOf(dep);
    if (!os || !cpu) {
      console.error(`left alone: ${dep} (no platform in its name)`);
      continue;
    }
    packages[`node_modules/${dep}`] = {
      version: spec.replace(/^[\^~=]/, ''),
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      os: [os],
      cpu: [cpu],
      ...(libc ? { libc: [libc] } : {}),
    };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} platform entries`);
