/**
 * A grader's hint names code between backticks (`timeout`); the checklist
 * draws those spans as code, not as backticks, and leaves a lone backtick
 * as it is.
 */
import { describe, expect, it } from 'vitest';
import { codeSpans } from './checklist.ts';

describe('a hint\'s code spans', () => {
  it('are told apart from the words around them', () => {
    expect(codeSpans('Catch `timeout` and try again')).toEqual([
      { text: 'Catch ', code: false },
      { text: 'timeout', code: true },
      { text: ' and try again', code: false },
    ]);
    expect(codeSpans('`await reader.readline()`을 `while True` 안에서')).toEqual([
      { text: 'await reader.readline()', code: true },
      { text: '을 ', code: false },
      { text: 'while True', code: true },
      { text: ' 안에서', code: false },
    ]);
  });

  it('leave text without a pair of backticks on one line as it is', () => {
    expect(codeSpans('no code here')).toEqual([{ text: 'no code here', code: false }]);
    expect(codeSpans('a lone ` backtick')).toEqual([{ text: 'a lone ` backtick', code: false }]);
    expect(codeSpans('`not\nacross lines`')).toEqual([{ text: '`not\nacross lines`', code: false }]);
  });
});
