import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalize, stripControls } from '../../src/screen/normalize.js';

describe('normalize', () => {
  it('strips CSI colours, OSC hyperlinks and charset selects but keeps box drawing and wide text', () => {
    const raw =
      '\u001b[38;2;215;119;87m╭───╮\u001b[39m\n' +
      '\u001b]8;;https://example.invalid\u0007link\u001b]8;;\u0007 \u001b(B\u001b[m日本語 ❯ ✻\n' +
      '\u001b(0lqk\u001b(B\n\n   \n';
    expect(normalize(raw).lines).toEqual(['╭───╮', 'link 日本語 ❯ ✻', 'lqk']);
  });

  it('drops trailing blank rows and trailing spaces, keeps inner blank rows', () => {
    expect(normalize('a   \n\nb\n\n\n').lines).toEqual(['a', '', 'b']);
  });

  it('treats CRLF like LF', () => {
    expect(normalize('a\r\nb\r\n').lines).toEqual(['a', 'b']);
  });
});

const ansiPiece = fc.constantFrom(
  '\u001b[0m',
  '\u001b[1;31m',
  '\u001b[38;5;208m',
  '\u001b[48;2;1;2;3m',
  '\u001b]0;title\u0007',
  '\u001b]8;;http://x\u001b\\',
  '\u001b(B',
  '\u001b)0',
  '\u001b[?25l',
  '\u001b[2K',
  '\u001b=',
);
const textPiece = fc.oneof(
  fc.string(),
  fc.constantFrom('❯', '─', '│', '╭', '日本', '👍', '✻', '⏵⏵', ' ', '\n', '\t', '?'),
);
const screenish = fc.array(fc.oneof(ansiPiece, textPiece), { maxLength: 60 }).map((parts) => parts.join(''));

describe('normalize properties', () => {
  it('is idempotent: normalising the normalised text changes nothing', () => {
    fc.assert(
      fc.property(screenish, (raw) => {
        const once = normalize(raw).lines;
        expect(normalize(once.join('\n')).lines).toEqual(once);
      }),
      { numRuns: 500 },
    );
  });

  it('stripping control sequences is idempotent', () => {
    fc.assert(
      fc.property(screenish, (raw) => {
        const once = stripControls(raw);
        expect(stripControls(once)).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  it('trailing blank lines change nothing', () => {
    fc.assert(
      fc.property(screenish, fc.array(fc.constantFrom('\n', '   \n', '\u001b[0m\n'), { maxLength: 10 }), (raw, tail) => {
        expect(normalize(raw + '\n' + tail.join('')).lines).toEqual(normalize(raw).lines);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves no escape or control character behind', () => {
    fc.assert(
      fc.property(screenish, (raw) => {
        for (const line of normalize(raw).lines) expect(line).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
      }),
      { numRuns: 500 },
    );
  });
});
