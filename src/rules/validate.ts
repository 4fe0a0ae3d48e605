/**
 * Turns TypeBox validation failures into one precise message per problem. A union
 * (a condition, an anchor) is resolved to the member the author evidently meant (the
 * one whose key is present), so the message says "unknown key 'flags' in a regex
 * condition" rather than "expected union value".
 */
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export interface SchemaProblem {
  /** JSON-pointer-like path segments into the document. */
  path: (string | number)[];
  message: string;
  hint: string;
}

interface ObjectSchema {
  type?: string;
  properties?: Record<string, TSchema>;
  required?: string[];
  anyOf?: TSchema[];
  items?: TSchema;
  title?: string;
  $ref?: string;
  $id?: string;
  enum?: unknown[];
  const?: unknown;
}

function splitPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((seg) => seg.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((seg) => (/^\d+$/.test(seg) ? Number(seg) : seg));
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Schemas reachable by $ref (TypeBox Recursive uses $id/$ref). */
function collectRefs(schema: TSchema, refs: Map<string, TSchema>, seen = new Set<unknown>()): void {
  if (seen.has(schema) || typeof schema !== 'object' || schema === null) return;
  seen.add(schema);
  const s = schema as ObjectSchema;
  if (s.$id) refs.set(s.$id, schema);
  for (const value of Object.values(schema)) {
    if (Array.isArray(value)) for (const v of value) collectRefs(v as TSchema, refs, seen);
    else if (typeof value === 'object' && value !== null) collectRefs(value as TSchema, refs, seen);
  }
}

function literalsOf(schema: ObjectSchema): unknown[] | undefined {
  if (schema.const !== undefined) return [schema.const];
  if (schema.anyOf && schema.anyOf.every((m) => (m as ObjectSchema).const !== undefined)) {
    return schema.anyOf.map((m) => (m as ObjectSchema).const);
  }
  return undefined;
}

export function validateAgainst(schema: TSchema, value: unknown): SchemaProblem[] {
  const refs = new Map<string, TSchema>();
  collectRefs(schema, refs);
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  explain(schema, value, [], problems, refs, seen);
  return problems;
}

function explain(
  schema: TSchema,
  value: unknown,
  base: (string | number)[],
  out: SchemaProblem[],
  refs: Map<string, TSchema>,
  seen: Set<string>,
): void {
  const errors = [...Value.Errors(schema, [...refs.values()].filter((r) => r !== schema), value)];
  for (const error of errors) {
    const rel = splitPath(error.path);
    const path = [...base, ...rel];
    const key = path.join('/');
    if (seen.has(key)) continue;
    let local = error.schema as ObjectSchema;
    if (local.$ref && refs.has(local.$ref)) local = refs.get(local.$ref) as ObjectSchema;
    const at = error.value;

    if (error.message === 'Unexpected property') {
      seen.add(key);
      const parent = path.slice(0, -1);
      const parentSchema = schemaAt(schema, rel.slice(0, -1), refs);
      const allowed = parentSchema?.properties ? Object.keys(parentSchema.properties) : [];
      out.push({
        path,
        message: `unknown key '${String(path[path.length - 1])}'${parent.length ? ` in ${describePlace(parent)}` : ''}`,
        hint: allowed.length ? `remove it, or use one of: ${allowed.join(', ')}` : 'remove it',
      });
      continue;
    }

    if (local.anyOf) {
      const literals = literalsOf(local);
      if (literals) {
        seen.add(key);
        out.push({
          path,
          message: `${describePlace(path)} is ${describeValue(at)}`,
          hint: `use one of: ${literals.map((l) => JSON.stringify(l)).join(', ')}`,
        });
        continue;
      }
      const members = local.anyOf.map((m) => {
        const ms = m as ObjectSchema;
        return ms.$ref && refs.has(ms.$ref) ? (refs.get(ms.$ref) as ObjectSchema) : ms;
      });
      const objectMembers = members.filter((m) => m.type === 'object' && m.properties);
      if (at !== null && typeof at === 'object' && !Array.isArray(at) && objectMembers.length) {
        const keys = Object.keys(at);
        const chosen = objectMembers.find((m) => (m.required ?? []).some((r) => keys.includes(r)));
        if (chosen) {
          seen.add(key);
          const before = out.length;
          explain(chosen as TSchema, at, path, out, refs, seen);
          if (out.length > before) continue;
        }
        seen.add(key);
        const kinds = objectMembers.map((m) => (m.required ?? [])[0]).filter(Boolean);
        out.push({
          path,
          message: keys.length
            ? `${describePlace(path)} has unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `'${k}'`).join(', ')}`
            : `${describePlace(path)} is empty`,
          hint: `a ${describePlace(path)} takes one of: ${kinds.join(', ')}`,
        });
        continue;
      }
      seen.add(key);
      const kinds = members.map((m) => m.type ?? (m.required ?? [])[0]).filter(Boolean);
      out.push({
        path,
        message: `${describePlace(path)} is ${describeValue(at)}`,
        hint: `expected ${[...new Set(kinds)].join(' or ')}`,
      });
      continue;
    }

    seen.add(key);
    out.push({ path, message: `${describePlace(path)}: ${error.message.toLowerCase()} (got ${describeValue(at)})`, hint: hintFor(local) });
  }
}

function hintFor(schema: ObjectSchema): string {
  const s = schema as ObjectSchema & { pattern?: string; minimum?: number; maximum?: number; description?: string };
  if (s.pattern) return `it must match ${s.pattern}`;
  if (s.minimum !== undefined || s.maximum !== undefined) {
    return `it must be an integer${s.minimum !== undefined ? ` >= ${s.minimum}` : ''}${s.maximum !== undefined ? ` <= ${s.maximum}` : ''}`;
  }
  return s.description ?? 'see rules/schema.json';
}

function schemaAt(root: TSchema, path: (string | number)[], refs: Map<string, TSchema>): ObjectSchema | undefined {
  let current: ObjectSchema | undefined = root as ObjectSchema;
  for (const seg of path) {
    if (!current) return undefined;
    if (current.$ref && refs.has(current.$ref)) current = refs.get(current.$ref) as ObjectSchema;
    if (typeof seg === 'number') current = current.items as ObjectSchema | undefined;
    else current = current.properties?.[seg] as ObjectSchema | undefined;
  }
  if (current?.$ref && refs.has(current.$ref)) current = refs.get(current.$ref) as ObjectSchema;
  return current;
}

/** "rule 3 'match'" style description of a path. */
export function describePlace(path: (string | number)[]): string {
  if (path.length === 2 && path[0] === 'rules' && typeof path[1] === 'number') return `rule ${path[1] + 1}`;
  const named = path.filter((seg) => typeof seg === 'string');
  const last = named[named.length - 1];
  if (last === undefined) return 'the file';
  if (['all', 'any', 'not', 'match'].includes(last)) return 'condition';
  if (last === 'below' || last === 'above') return `'${last}' anchor`;
  return `'${last}'`;
}
