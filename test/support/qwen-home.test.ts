import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isQwenMainTurn, isQwenSuggestion, makeQwenHome, qwenBin } from './qwen-home.js';

const tools = (...names: string[]) => names.map((name) => ({ type: 'function', function: { name, parameters: {} } }));
const MAIN_TOOLS = tools('agent', 'ask_user_question', 'edit', 'exit_plan_mode', 'read_file', 'run_shell_command', 'write_file');

describe('makeQwenHome', () => {
  it('selects the OpenAI auth, turns off the update check, and points OPENAI_* at the mock', async () => {
    const h = await makeQwenHome({ baseUrl: 'http://127.0.0.1:1/v1', trustDirs: ['/tmp/some-repo'] });
    try {
      const settings = JSON.parse(readFileSync(join(h.home, '.qwen', 'settings.json'), 'utf8'));
      expect(settings.security.auth.selectedType).toBe('openai');
      expect(settings.security.folderTrust).toBeUndefined();
      expect(settings.general.enableAutoUpdate).toBe(false);
      expect(settings.tools.useRipgrep).toBe(false);
      expect(JSON.parse(readFileSync(join(h.home, '.qwen', 'trustedFolders.json'), 'utf8'))).toEqual({ '/tmp/some-repo': 'TRUST_FOLDER' });
      expect(h.env).toMatchObject({ HOME: h.home, OPENAI_BASE_URL: 'http://127.0.0.1:1/v1', OPENAI_MODEL: 'gpt-mock' });
      expect(h.env.OPENAI_API_KEY).toBeTruthy();
    } finally {
      await h.cleanup();
    }
    expect(existsSync(h.home)).toBe(false);
  });

  it('without auth and URL leaves Qwen Code to ask for a provider; folderTrust turns the trust dialog on', async () => {
    const h = await makeQwenHome({ auth: false, folderTrust: true });
    try {
      const settings = JSON.parse(readFileSync(join(h.home, '.qwen', 'settings.json'), 'utf8'));
      expect(settings.security.auth).toBeUndefined();
      expect(settings.security.folderTrust).toEqual({ enabled: true });
      expect(Object.keys(h.env).filter((k) => k.startsWith('OPENAI_'))).toEqual([]);
      expect(existsSync(join(h.home, '.qwen', 'trustedFolders.json'))).toBe(false);
    } finally {
      await h.cleanup();
    }
  });

  it('points at the pinned binary', () => {
    expect(qwenBin()).toMatch(/node_modules\/\.bin\/qwen$/);
  });
});

describe('isQwenMainTurn', () => {
  it('takes requests with the full tool set', () => {
    expect(isQwenMainTurn({ messages: [{ role: 'user', content: 'Run the tests' }], tools: MAIN_TOOLS })).toBe(true);
  });

  it('leaves out the memory extraction (file and shell tools only) and the prompt suggestion', () => {
    const memory = { messages: [{ role: 'user', content: 'Managed memory has TWO directories.' }], tools: tools('read_file', 'grep_search', 'glob', 'run_shell_command', 'write_file', 'edit') };
    const suggestion = {
      messages: [
        { role: 'user', content: 'Run the tests' },
        { role: 'user', content: '[SUGGESTION MODE: Suggest what the user might naturally type next.]' },
      ],
      tools: MAIN_TOOLS,
    };
    expect(isQwenMainTurn(memory)).toBe(false);
    expect(isQwenSuggestion(suggestion)).toBe(true);
    expect(isQwenMainTurn(suggestion)).toBe(false);
    expect(isQwenMainTurn({ messages: [{ role: 'user', content: 'title please' }] })).toBe(false);
  });
});
