/**
 * Profile templates: `{field}` placeholders filled from the values kb knows at spawn, and
 * `{env:NAME}` from the caller's environment. An
 * argv element whose placeholder has no value is left out (an unset --model drops
 * `--model {model}` as a pair when both come from the same option list).
 */
export type TemplateValues = Partial<Record<string, string | undefined>>;

const PLACEHOLDER = /\{(env:[A-Za-z_][A-Za-z0-9_]*|[a-z_]+)\}/g;

/** The placeholders a template uses. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** Fills a template; null when a placeholder it uses has no value. */
export function fill(template: string, values: TemplateValues): string | null {
  let missing = false;
  const out = template.replace(PLACEHOLDER, (_, key: string) => {
    const v = values[key];
    if (v === undefined) {
      missing = true;
      return '';
    }
    return v;
  });
  return missing ? null : out;
}

/** Fills every element; elements with a missing value are dropped. */
export function fillArgv(argv: readonly string[], values: TemplateValues): string[] {
  const out: string[] = [];
  for (const arg of argv) {
    const v = fill(arg, values);
    if (v !== null) out.push(v);
  }
  return out;
}
