import { Command } from 'commander';
import pLimit from 'p-limit';
import { readRegistryOrEmpty } from '../sessions/registry.js';
import { sessionStatusOrUnreachable, type SessionStatus } from '../sessions/status.js';
import { printJson, sessionContextFor, withExamples } from './common.js';

/** The contract's columns; a HOST column after them only when some session runs on another machine. */
export function formatTable(rows: readonly SessionStatus[]): string {
  const remote = rows.some((r) => r.host);
  const header = ['NAME', 'MODEL', 'STATUS', 'AGE', 'TMUX_SESSION', ...(remote ? ['HOST'] : [])];
  const cells = rows.map((r) => [r.name, r.model ?? '-', r.status, r.age, r.tmux_session ?? '-', ...(remote ? [r.host ?? '-'] : [])]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!))).join('  ');
  return [line(header), ...cells.map(line)].join('\n');
}

export function listCommand(): Command {
  const command = new Command('list')
    .description('every registered session with its state (stopped sessions stay until forget)')
    .option('--json', 'a JSON array of status objects (as kb status prints)')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const ctx = sessionContextFor(cmd);
      const registry = await readRegistryOrEmpty(ctx.registry);
      const limit = pLimit(8);
      const rows = await Promise.all(
        Object.values(registry)
          .sort((a, b) => String(a.spawned_at ?? '').localeCompare(String(b.spawned_at ?? '')) || a.name.localeCompare(b.name))
          .map((entry) => limit(() => sessionStatusOrUnreachable(ctx, entry))),
      );
      if (opts.json) printJson(rows);
      else process.stdout.write(`${formatTable(rows)}\n`);
    });
  return withExamples(command, 'kb list', 'kb list --json | jq -r \'.[] | select(.needs_intervention) | .name\'');
}
