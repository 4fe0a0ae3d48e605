/**
 * A pack file: rules, the named conditions and regions they share, and an agent profile,
 * each optional. rules/schema.json is generated from this (`npm run schema`).
 */
import { Type, type Static } from '@sinclair/typebox';
import { AgentProfile } from './profile-schema.js';
import { Condition, RegionBody, Rule } from './schema.js';

const PieceKey = Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$' });

export const RuleFile = Type.Object(
  {
    agent: Type.Optional(AgentProfile),
    conditions: Type.Optional(
      Type.Record(PieceKey, Condition, {
        description: 'Named conditions, used as `{ matches: name }` by the rules of this pack (`pack/name` from other packs).',
      }),
    ),
    regions: Type.Optional(
      Type.Record(PieceKey, RegionBody, {
        description: 'Named regions, used by name wherever a region goes (`region:`, `within:`) in this pack (`pack/name` elsewhere).',
      }),
    ),
    rules: Type.Optional(Type.Array(Rule, { minItems: 1 })),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    title: 'kage-bunshin pack file',
    description:
      'Part of a kage-bunshin pack: classifier rules, named conditions and regions they share, and an agent profile. Reference this schema with # yaml-language-server: $schema=<path>/schema.json',
  },
);
export type RuleFile = Static<typeof RuleFile>;

/** The JSON Schema document written to rules/schema.json. */
export function ruleFileJsonSchema(): Record<string, unknown> {
  const schema = JSON.parse(JSON.stringify(RuleFile)) as Record<string, unknown>;
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://kage-bunshin.invalid/rules/schema.json',
    ...schema,
  };
}

