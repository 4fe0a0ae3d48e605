/**
 * Near misses chosen by the rule author: for a recorded scenario, rules its screen looks
 * close to but must NOT be classified by. Every rule needs at least one such fixture
 * (test/rules/fixtures.test.ts); keeping the table here means re-recording keeps them.
 */
const NEAR_MISSES: Record<string, string[]> = {
  'workspace-trust': ['claude-code/bypass-permissions', 'claude-code/onboarding', 'claude-code/mcp-server', 'claude-code/api-key'],
  'bypass-permissions': ['claude-code/workspace-trust'],
  'api-retry': ['claude-code/error-api'],
  'api-retry-429': ['claude-code/error-api'],
  'api-error-final': ['claude-code/api-retry'],
  'auth-error': ['claude-code/error-quota'],
  'credit-error': ['claude-code/error-auth'],
  'idle-after-answer': ['claude-code/working', 'claude-code/background-agent'],
  'idle-fresh': ['claude-code/working'],
  'working-streaming': ['claude-code/api-retry'],
  'auto-mode-approval': ['claude-code/auto-mode-notice'],
  'ctrl-c-again': ['claude-code/exited'],
  'idle-plan-mode': ['claude-code/plan-approval'],
  'ask-single': ['claude-code/worktree-exit'],
  'exit-worktree-remove': ['claude-code/worktree-exit'],
  'mcp-server-approval': ['claude-code/workspace-trust'],
};

/** The scenario's own near_miss list merged with the table's (never the expected rule itself). */
export function withNearMisses(scenario: string, rule: string | null, own: string[] | undefined): string[] | undefined {
  const merged = [...(own ?? [])];
  for (const id of NEAR_MISSES[scenario] ?? []) if (id !== rule && !merged.includes(id)) merged.push(id);
  return merged.length ? merged : undefined;
}
