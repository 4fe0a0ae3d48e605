// npm run bench: time from raw captured text (ANSI included) to a state, per screen, over
// every recorded fixture with all built-in rules loaded. Prints median and p99 per screen,
// the screen sizes it ran on, and the same figures for the naive way (rules compiled anew
// for every screen, as a script that shells out to a one-shot classifier would) with the ratio.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { classify } from '../dist/classify/index.js';
import { compileRule } from '../dist/rules/compile.js';
import { loadRuleSetSync, sortRules } from '../dist/rules/load.js';
import { findFixtures } from '../dist/kit/fixtures.js';
import { builtinFixturesDir } from '../dist/rules/paths.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const rules = loadRuleSetSync();
const { fixtures } = findFixtures([builtinFixturesDir()]);
if (fixtures.length === 0) {
  console.error('no fixtures found under fixtures/');
  process.exit(1);
}
const screens = fixtures.map((f) => ({
  raw: readFileSync(f.pane, 'utf8'),
  facts: { agent: f.expectation.agent, command: f.expectation.pane?.command, dead: f.expectation.pane?.dead },
  size: f.expectation.size,
}));

function naiveClassify(raw, facts) {
  const fresh = { rules: sortRules(rules.rules.map((r) => compileRule(r.source, r.file, r.line, rules.pieces, r.pack))) };
  return classify(raw, fresh, facts);
}

function measure(fn, rounds) {
  const samples = [];
  for (let round = 0; round < rounds; round++) {
    for (const s of screens) {
      const t0 = performance.now();
      fn(s.raw, s.facts);
      samples.push((performance.now() - t0) * 1000);
    }
  }
  samples.sort((a, b) => a - b);
  const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  return { n: samples.length, median: at(0.5), p99: at(0.99), max: samples[samples.length - 1] };
}

// Warm up the JIT on both paths before timing.
measure((raw, facts) => classify(raw, rules, facts), 20);
measure(naiveClassify, 3);

const ours = measure((raw, facts) => classify(raw, rules, facts), ROUNDS);
const naive = measure(naiveClassify, Math.max(5, Math.floor(ROUNDS / 10)));

const sizes = new Map();
for (const s of screens) sizes.set(s.size, (sizes.get(s.size) ?? 0) + 1);
const bytes = screens.map((s) => s.raw.length).sort((a, b) => a - b);

console.log(`kage-bunshin classify benchmark (node ${process.version}, ${rules.rules.length} rules, ${screens.length} fixture screens)`);
console.log(`screen sizes: ${[...sizes].map(([k, v]) => `${k} x${v}`).join(', ')}; raw bytes per screen: median ${bytes[bytes.length >> 1]}, max ${bytes[bytes.length - 1]}`);
console.log('');
console.log('| path | screens timed | median us | p99 us | max us |');
console.log('|---|---|---|---|---|');
const row = (name, r) => console.log(`| ${name} | ${r.n} | ${r.median.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(1)} |`);
row('kage-bunshin (compiled once)', ours);
row('naive (rules compiled per screen)', naive);
console.log('');
console.log(`ratio naive/ours: median ${(naive.median / ours.median).toFixed(1)}x, p99 ${(naive.p99 / ours.p99).toFixed(1)}x`);
console.log(`target: median under 50 us per screen -> ${ours.median < 50 ? 'met' : 'MISSED'}`);
