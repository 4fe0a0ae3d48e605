/**
 * The command reference, generated from the commander program itself (descriptions,
 * arguments, options with their defaults, and the text each command adds after its help:
 * its examples), so the skill shows exactly what `kb <command> --help` shows and cannot
 * drift from it. Only commander's public API is used: its Help class and the help events
 * that `addHelpText` listens to.
 */
import { Help, type Command } from 'commander';

export interface OptionDoc {
  /** `--name <name>`, `-V, --version` */
  flags: string;
  /** The description with commander's `(default: ...)` suffix, as --help prints it. */
  description: string;
}

export interface CommandDoc {
  /** `['rules', 'check']`; `[]` for the program itself. */
  path: string[];
  /** `kb spawn [options] [prompt]` */
  usage: string;
  description: string;
  arguments: OptionDoc[];
  options: OptionDoc[];
  /** Subcommands (for a command that only groups others, such as `rules`). */
  subcommands: string[];
  /** The text added after the built-in help (examples, notes), as --help prints it. */
  after: string;
  /** Runs something (false for a command that only groups subcommands). */
  runnable: boolean;
}

const help = new Help();

/** The text a command's `addHelpText('after', ...)` adds, exactly as --help writes it. */
export function afterHelpText(command: Command): string {
  let text = '';
  (command as unknown as NodeJS.EventEmitter).emit('afterHelp', { error: false, command, write: (s: string) => (text += s) });
  return text.replace(/\s+$/, '');
}

/** A command that groups subcommands (`rules`, `skill`) only prints its help. */
function isRunnable(command: Command): boolean {
  return command.commands.length === 0;
}

function docOf(command: Command, path: string[], bin: string): CommandDoc {
  const usage = [bin, ...path, command.usage()].filter((s) => s !== '').join(' ');
  const options = help
    .visibleOptions(command)
    .filter((o) => o.long !== '--help')
    .map((o) => ({ flags: help.optionTerm(o), description: help.optionDescription(o) }));
  const args = help.visibleArguments(command).map((a) => ({ flags: help.argumentTerm(a), description: help.argumentDescription(a) }));
  const subcommands = command.commands.filter((c) => help.visibleCommands(command).includes(c)).map((c) => c.name());
  return {
    path,
    usage,
    description: help.commandDescription(command),
    arguments: args,
    options,
    subcommands,
    after: afterHelpText(command),
    runnable: isRunnable(command),
  };
}

/** The program and every visible command under it, depth first, in the order they were added. */
export function commandDocs(program: Command, bin = 'kb'): CommandDoc[] {
  const out: CommandDoc[] = [];
  const walk = (command: Command, path: string[]): void => {
    out.push(docOf(command, path, bin));
    for (const sub of command.commands) {
      if (!help.visibleCommands(command).includes(sub)) continue;
      walk(sub, [...path, sub.name()]);
    }
  };
  walk(program, []);
  return out;
}

/** `|` and line breaks would break a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

/** The after-help text as Markdown: each `Heading:` block in a fenced block (sh for Examples). */
export function afterHelpMarkdown(text: string): string {
  if (!text.trim()) return '';
  const blocks: { heading: string | null; lines: string[] }[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' && (blocks.length === 0 || blocks[blocks.length - 1]!.lines.length === 0)) continue;
    const heading = /^(\S.*):\s*$/.exec(line);
    if (heading) blocks.push({ heading: heading[1]!, lines: [] });
    else if (blocks.length === 0) blocks.push({ heading: null, lines: [line] });
    else blocks[blocks.length - 1]!.lines.push(line);
  }
  return blocks
    .map((b) => {
      while (b.lines.length && b.lines[b.lines.length - 1]!.trim() === '') b.lines.pop();
      const indent = Math.min(...b.lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
      const body = b.lines.map((l) => l.slice(Number.isFinite(indent) ? indent : 0)).join('\n');
      const lang = b.heading === 'Examples' ? 'sh' : 'text';
      return `${b.heading ? `${b.heading}:\n\n` : ''}\`\`\`${lang}\n${body}\n\`\`\``;
    })
    .join('\n\n');
}

function optionList(items: readonly OptionDoc[]): string {
  return items.map((o) => `- \`${o.flags}\`: ${o.description}`).join('\n');
}

/** One command's section of the reference. */
export function commandMarkdown(doc: CommandDoc): string {
  const parts = [`## ${['kb', ...doc.path].join(' ')}`, doc.description, `\`\`\`text\n${doc.usage}\n\`\`\``];
  if (doc.arguments.length) parts.push(`Arguments:\n\n${optionList(doc.arguments)}`);
  if (doc.options.length) parts.push(`Options:\n\n${optionList(doc.options)}`);
  if (doc.subcommands.length) parts.push(`Commands: ${doc.subcommands.map((s) => `\`kb ${[...doc.path, s].join(' ')}\``).join(', ')}.`);
  const after = afterHelpMarkdown(doc.after);
  if (after) parts.push(after);
  return parts.filter((p) => p.trim() !== '').join('\n\n');
}

/** Every command but the program itself (its options are the global options). */
export function referenceMarkdown(docs: readonly CommandDoc[]): string {
  return docs
    .filter((d) => d.path.length > 0)
    .map(commandMarkdown)
    .join('\n\n');
}

/** A table of the runnable commands: usage (outside code: it is a synopsis, not a command line) and description. */
export function commandsTable(docs: readonly CommandDoc[]): string {
  const rows = docs
    .filter((d) => d.path.length > 0 && d.runnable)
    .map((d) => {
      const name = ['kb', ...d.path].join(' ');
      const rest = d.usage.slice(name.length).trim();
      return `| \`${name}\`${rest ? ` \`${cell(rest)}\`` : ''} | ${cell(d.description)} |`;
    });
  return ['| command | what it does |', '|---|---|', ...rows].join('\n');
}

/** The global options, inline: `--session-id <id>`: ...; ... */
export function globalOptionsInline(root: CommandDoc): string {
  return `${root.options
    .filter((o) => !/--version\b/.test(o.flags))
    .map((o) => `\`${o.flags}\`: ${o.description}`)
    .join('; ')}.`;
}

/**
 * The commands in the order given (command paths such as `spawn`, `rules test`), then the
 * rest in program order; the program itself stays first. A name that is no command is an
 * error, so the order cannot silently go stale.
 */
export function orderDocs(docs: readonly CommandDoc[], order: readonly string[]): CommandDoc[] {
  const key = (d: CommandDoc) => d.path.join(' ');
  const known = new Set(docs.map(key));
  const unknown = order.filter((o) => !known.has(o));
  if (unknown.length) throw new Error(`no such command: ${unknown.join(', ')}`);
  const rank = (d: CommandDoc) => (d.path.length === 0 ? -1 : order.includes(key(d)) ? order.indexOf(key(d)) : order.length);
  return docs.map((d, i) => ({ d, i })).sort((a, b) => rank(a.d) - rank(b.d) || a.i - b.i).map((x) => x.d);
}

export function globalOptionsList(root: CommandDoc): string {
  return optionList(root.options);
}
