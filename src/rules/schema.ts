/**
 * The single source of truth for rule files: TypeScript types and the JSON Schema
 * (rules/schema.json, written by `npm run schema`) both come from these TypeBox
 * definitions. test/rules/schema.test.ts fails if the committed schema drifts.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const STATES = [
  'permission_approval',
  'yes_no_prompt',
  'question',
  'idle',
  'working',
  'exited',
  'error',
  'unknown',
] as const;
export type State = (typeof STATES)[number];

/** States that need the orchestrator (error only with --report-errors). */
export const INTERVENTION_STATES: ReadonlySet<State> = new Set(['permission_approval', 'yes_no_prompt', 'question']);

export const ANSWERS = ['keys', 'text', 'none'] as const;
export type Answer = (typeof ANSWERS)[number];

const Globs = Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], {
  description: 'A picomatch glob or a list of globs.',
});

const Count = Type.Integer({
  minimum: 1,
  description: 'How many distinct lines of the region must match (default 1).',
});

const RegexCondition = Type.Object(
  {
    regex: Type.String({ minLength: 1, description: 'A JavaScript regular expression tested against each line of the region.' }),
    ignore_case: Type.Optional(Type.Boolean({ description: 'Match case-insensitively.' })),
    min: Type.Optional(Count),
  },
  { additionalProperties: false, title: 'regex' },
);

const ContainsCondition = Type.Object(
  {
    contains: Type.String({ minLength: 1, description: 'A literal substring looked for in each line of the region.' }),
    ignore_case: Type.Optional(Type.Boolean({ description: 'Match case-insensitively.' })),
    min: Type.Optional(Count),
  },
  { additionalProperties: false, title: 'contains' },
);

const PaneDeadCondition = Type.Object(
  { pane_dead: Type.Boolean({ description: 'True when tmux reports the pane dead (its program exited).' }) },
  { additionalProperties: false, title: 'pane_dead' },
);

const CommandCondition = Type.Object(
  { command: Type.Union([Globs], { description: "Globs on the pane's current command (tmux pane_current_command)." }) },
  { additionalProperties: false, title: 'command' },
);

const Anchor = Type.Union(
  [
    Type.String({ minLength: 1, description: 'A regex; the last line that matches it is the anchor.' }),
    Type.Object(
      {
        regex: Type.String({ minLength: 1 }),
        nth: Type.Optional(
          Type.Integer({ minimum: 1, description: 'Use the nth matching line counted from the bottom (default 1, the last).' }),
        ),
      },
      { additionalProperties: false },
    ),
  ],
  { description: 'A line found by regex. The region is empty when no line matches.' },
);

/** A name for a reusable condition or region: `name` in its own pack, `pack/name` elsewhere. */
export const NAME_PATTERN = '^([a-z0-9][a-z0-9_-]*/)?[a-z0-9][a-z0-9_-]*$';
const PieceName = Type.String({ pattern: NAME_PATTERN, description: 'A named region or condition: `name` (this pack) or `pack/name`.' });

export const RegionBody = Type.Object(
  {
    below: Type.Optional(Type.Union([Anchor], { description: 'Only the lines below the anchor line.' })),
    from: Type.Optional(Type.Union([Anchor], { description: 'Only the anchor line and the lines below it.' })),
    above: Type.Optional(Type.Union([Anchor], { description: 'Only the lines above the anchor line.' })),
    until: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'A regex: the region ends before the first line (after its first line) that matches, searching down. For a block such as one message.',
      }),
    ),
    ignore: Type.Optional(Type.String({ minLength: 1, description: 'A regex: lines that match are left out of the region.' })),
    at_cursor: Type.Optional(
      Type.Boolean({
        description:
          "Only the line the terminal cursor is on (tmux cursor_y; empty when that line is blank). In a saved capture without pane facts: the last non-blank line.",
      }),
    ),
    last: Type.Optional(Type.Integer({ minimum: 1, description: 'Then keep only the last N non-blank lines.' })),
    first: Type.Optional(Type.Integer({ minimum: 1, description: 'Then keep only the first N non-blank lines.' })),
  },
  {
    additionalProperties: false,
    description:
      'Which lines of the screen the rule looks at. Blank lines are never part of a region. Omitted: the whole screen.',
  },
);
export type RegionBody = Static<typeof RegionBody>;

/** A region written out, or the name of one defined under `regions:`. */
export const Region = Type.Union([PieceName, RegionBody], {
  description: 'A region (below/from/above/until/ignore/last/first), or the name of one defined under `regions:`.',
});
export type Region = Static<typeof Region>;

export const Condition = Type.Recursive(
  (Self) =>
    Type.Union([
      RegexCondition,
      ContainsCondition,
      PaneDeadCondition,
      CommandCondition,
      Type.Object(
        { all: Type.Array(Self, { minItems: 1, description: 'Every condition holds (each on some line).' }) },
        { additionalProperties: false, title: 'all' },
      ),
      Type.Object(
        { any: Type.Array(Self, { minItems: 1, description: 'At least one condition holds.' }) },
        { additionalProperties: false, title: 'any' },
      ),
      Type.Object({ not: Self }, { additionalProperties: false, title: 'not', description: 'The condition does not hold.' }),
      Type.Object(
        { matches: PieceName },
        { additionalProperties: false, title: 'matches', description: 'The named condition (defined under `conditions:`) holds.' },
      ),
      Type.Object(
        { within: Region, match: Self },
        {
          additionalProperties: false,
          title: 'within',
          description: "The condition holds on another region of the screen (not the rule's own region).",
        },
      ),
    ]),
  { $id: 'Condition', description: 'A match condition over the lines of the region.' },
);
export type Condition = Static<typeof Condition>;



export const Rule = Type.Object(
  {
    id: Type.String({
      pattern: '^[a-z0-9][a-z0-9._/-]*$',
      description: 'Unique id, conventionally <pack>/<name>. A user rule with a built-in id replaces it.',
    }),
    description: Type.Optional(Type.String({ description: 'What screen this rule recognises, for humans.' })),
    state: Type.Union(
      STATES.filter((s) => s !== 'unknown').map((s) => Type.Literal(s)),
      { description: 'The pane state this rule reports.' },
    ),
    priority: Type.Integer({ minimum: 0, maximum: 1000, description: 'Higher wins when several rules match.' }),
    applies_to: Type.Optional(
      Type.Union([Globs], {
        description: 'Globs on the agent name (a profile name, or custom) or the pane command. Omitted: every pane.',
      }),
    ),
    region: Type.Optional(Region),
    match: Condition,
    answer: Type.Union(
      ANSWERS.map((a) => Type.Literal(a)),
      { description: 'How the screen is answered: keys (menus, dialogs), text (free text), none.' },
    ),
  },
  { additionalProperties: false },
);
export type Rule = Static<typeof Rule>;

export type { TSchema };
