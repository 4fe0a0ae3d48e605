/**
 * The agent profile: everything kb needs to know to start, drive and stop one agent CLI,
 * as data (`agent:` in a pack file, conventionally rules/<pack>/agent.yaml). Part of the
 * same TypeBox source as the rule schema, so rules/schema.json covers both.
 *
 * Templates (`{name}`) in argv, paths and commands are filled by kb; see TEMPLATE_FIELDS.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Region, STATES } from './schema.js';

/** The placeholders a template may use. */
export const TEMPLATE_FIELDS = {
  binary: 'the agent binary (binary_env, else binary)',
  name: 'the session name',
  cwd: 'the working directory',
  git_root: 'the top level of the git repository of cwd',
  model: 'the --model value',
  max_budget: 'the --max-budget value',
  permission_mode: 'the --permission-mode value',
  command: 'the command line (the custom agent)',
  id: 'the resume id (resume.command)',
  settings: 'the path of the per-session settings file kb writes (evidence.hooks)',
  hook_command: 'the command line of `kb hook` for this session (evidence.hooks)',
  home: 'the HOME the agent runs with',
} as const;

const Template = Type.String({
  minLength: 1,
  description: `A string with {placeholders}: ${Object.keys(TEMPLATE_FIELDS).join(', ')}, or {env:NAME} (a variable of the caller's environment).`,
});
const Argv = Type.Array(Template, { minItems: 1, description: 'Arguments, each a template; an argument whose placeholder has no value is left out.' });
const RegexString = Type.String({ minLength: 1, description: 'A JavaScript regular expression.' });
const KeyName = Type.String({
  minLength: 1,
  description: 'A tmux key: Enter, Escape, Up, Down, Tab, BTab, Space, C-c, ... or one character.',
});
const EnvName = Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' });
const Millis = (description: string) => Type.Integer({ minimum: 0, maximum: 600_000, description });

const StateName = Type.Union(STATES.map((s) => Type.Literal(s)));

const PermissionMode = Type.Object(
  {
    values: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'The modes --permission-mode accepts.' }),
    default: Type.Optional(Type.String({ description: 'The mode used when --permission-mode is not given.' })),
    argv: Type.Record(Type.String(), Type.Array(Template), {
      description: 'Arguments per mode; the key "*" serves every mode without its own entry.',
    }),
    refuse: Type.Optional(
      Type.Array(
        Type.Object(
          {
            mode: Type.String({ description: 'The mode this refusal is about.' }),
            root: Type.Optional(Type.Boolean({ description: 'Only when kb runs as root.' })),
            unless_env: Type.Optional(Type.Record(EnvName, Type.String(), { description: 'Not when these variables have these values.' })),
            message: Type.String({ description: 'Why the agent would refuse to start this way.' }),
            hint: Type.String({ description: 'What the user can do instead.' }),
          },
          { additionalProperties: false },
        ),
        { description: 'Combinations the agent refuses at start: reported before anything is started.' },
      ),
    ),
  },
  { additionalProperties: false, description: 'The agent has permission modes, chosen with --permission-mode.' },
);

const Launch = Type.Object(
  {
    argv: Argv,
    model: Type.Optional(Type.Array(Template, { description: 'Appended when --model is given (absent: --model is refused for this agent).' })),
    max_budget: Type.Optional(Type.Array(Template, { description: 'Appended when --max-budget is given (absent: refused).' })),
    permission_mode: Type.Optional(PermissionMode),
    resume: Type.Optional(Type.Array(Template, { description: 'Appended to resume a session by id.' })),
  },
  { additionalProperties: false },
);

const ExitStep = Type.Object(
  {
    keys: Type.Optional(Type.Array(KeyName, { minItems: 1, description: 'Keys sent one after the other.' })),
    text: Type.Optional(Type.String({ minLength: 1, description: 'Text typed literally, then the submit keys.' })),
    gap_ms: Type.Optional(Millis('Pause between the keys (default 250).')),
    wait_ms: Type.Optional(Millis('How long to wait for the agent to exit before the next step (default 2500).')),
  },
  { additionalProperties: false },
);

const Dialog = Type.Object(
  {
    rule: Type.String({ minLength: 1, description: 'The id of the rule that recognises the dialog.' }),
    accept: Type.Optional(RegexString),
    enter: Type.Optional(Type.Boolean({ description: 'Accepted by Enter on the option already selected.' })),
    keys: Type.Optional(Type.Array(KeyName, { minItems: 1, description: 'Answered by these keys (a notice that any key closes).' })),
  },
  { additionalProperties: false, description: 'A first-run dialog spawn --accept-dialogs answers: the option whose text matches `accept` is selected (cursor moved, each step checked), then Enter.' },
);

const ExitDialog = Type.Object(
  {
    match: RegexString,
    choose: RegexString,
  },
  { additionalProperties: false, description: 'A dialog shown while exiting (a line matches `match`): stop chooses the option whose text matches `choose`.' },
);

const StartExit = Type.Object(
  {
    match: RegexString,
    rule: Type.String({ description: 'Reported as this rule (and state) when --accept-dialogs is not given.' }),
    state: StateName,
    hint: Type.String(),
    accept_by_running: Type.Optional(
      Type.Array(Template, {
        minItems: 1,
        description: 'With --accept-dialogs: run this once (answering its first-run dialogs, then exiting it), then start the agent again.',
      }),
    ),
  },
  { additionalProperties: false, description: 'The agent exits during start with this on screen instead of showing a dialog.' },
);

const Evidence = Type.Object(
  {
    session_file: Type.Optional(
      Type.Object(
        {
          dir: Template,
          format: Type.Literal('pid-json', { description: 'One JSON file per process, `<dir>/<pid>.json`, with status, waitingFor, statusUpdatedAt, procStart.' }),
        },
        { additionalProperties: false, description: 'A state file per running process, `<dir>/<pid>.json`.' },
      ),
    ),
    hooks: Type.Optional(
      Type.Object(
        {
          format: Type.Literal('settings-json', { description: 'A settings file with a hooks block, passed on the agent\'s command line.' }),
          argv: Type.Array(Template, { description: 'Appended to the launch argv to inject the settings file.' }),
          events: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'The hook events kb subscribes to.' }),
          disabled_by: Type.Optional(Type.Array(Type.String(), { description: 'Settings keys with which the user turned hooks off (respected).' })),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false, description: 'What the agent publishes about its own state besides the screen.' },
);

export const AgentProfile = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9-]*$', description: 'The --agent value, the registry "agent", and the classifier agent name the rules apply_to.' }),
    default: Type.Optional(Type.Boolean({ description: 'spawn runs this agent when --agent is not given (and legacy entries without an agent are this one).' })),
    aliases: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z][a-z0-9-]*$' }), { description: 'Other names --agent accepts.' })),
    title: Type.Optional(Type.String({ description: 'The program, for humans.' })),
    binary: Type.Optional(Type.String({ minLength: 1, description: 'The program on PATH (or a path).' })),
    binary_env: Type.Optional(
      Type.Array(EnvName, { description: 'Variables that name the binary instead, the first one set wins (conventionally KB_<AGENT>_BIN).' }),
    ),
    version: Type.Optional(
      Type.Object(
        {
          args: Type.Array(Type.String(), { description: 'Arguments that print the version.' }),
          pattern: Type.Optional(RegexString),
        },
        { additionalProperties: false },
      ),
    ),
    recorded_versions: Type.Optional(Type.Array(Type.String(), { description: 'The versions the fixtures were recorded from (doctor warns about newer ones).' })),
    launch: Launch,
    env: Type.Optional(
      Type.Object(
        {
          set: Type.Optional(Type.Record(EnvName, Type.String(), { description: 'Set for the agent on top of the caller environment.' })),
          drop: Type.Optional(Type.Array(EnvName, { description: 'Never passed to the agent.' })),
        },
        { additionalProperties: false },
      ),
    ),
    worktree: Type.Optional(
      Type.Object(
        {
          path: Template,
          requires_git: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false, description: 'The agent makes a git worktree per session here (shown in status, kept by stop).' },
      ),
    ),
    ready: Type.Optional(
      Type.Object(
        {
          states: Type.Optional(Type.Array(StateName, { minItems: 1, description: 'States in which the REPL takes a prompt (default [idle]).' })),
          settle_ms: Type.Optional(Millis('With no rule for its screen: ready once the screen has not changed for this long (default: never).')),
        },
        { additionalProperties: false },
      ),
    ),
    input: Type.Optional(
      Type.Union([Region], { description: 'Where the input field is: a region (or the name of one). Typed text must show inside it before submitting.' }),
    ),
    pasted: Type.Optional(Type.Array(RegexString, { description: 'What the input field (or the conversation) shows for a pasted text instead of the text.' })),
    submit: Type.Optional(Type.Array(KeyName, { minItems: 1, description: 'Keys that submit the typed text (default [Enter]).' })),
    exit: Type.Optional(
      Type.Object(
        {
          steps: Type.Array(ExitStep, { minItems: 1, description: 'Tried in order; the last one repeats until the stop timeout.' }),
          cancel: Type.Optional(Type.Array(KeyName, { description: 'Keys that dismiss a dialog that is in the way (default [Escape]).' })),
          dialogs: Type.Optional(Type.Array(ExitDialog)),
        },
        { additionalProperties: false },
      ),
    ),
    resume: Type.Optional(
      Type.Object(
        {
          pattern: Type.String({ minLength: 1, description: 'A regex whose first group is the resume id, on the last screen.' }),
          program: Type.Optional(Type.String({ description: 'The resume command line starts at this word (default: the binary name).' })),
        },
        { additionalProperties: false },
      ),
    ),
    dialogs: Type.Optional(Type.Array(Dialog)),
    start_exits: Type.Optional(Type.Array(StartExit)),
    evidence: Type.Optional(Evidence),
  },
  { additionalProperties: false, description: 'How kb starts, drives and stops one agent CLI.' },
);
export type AgentProfile = Static<typeof AgentProfile>;
