/**
 * Which runner errors end the page's running Check: the files or request of
 * the Check refused before it begins; once graded, only an internal error
 * that answers the check itself (or one from a runner too old to say).
 */
import { describe, expect, it } from 'vitest';
import { errorEndsCheck } from './checks.ts';

describe('a runner error during a Check', () => {
  it('ends a Check not yet begun when its files or request were refused', () => {
    for (const code of ['files_too_large', 'bad_files', 'message_too_large', 'check_running', 'no_grader', 'internal'] as const) {
      expect(errorEndsCheck({ code, request: 'files' }, false), code).toBe(true);
    }
    expect(errorEndsCheck({ code: 'unknown_process', request: 'input' }, false)).toBe(false);
  });

  it('once graded, ends it only for an internal error answering the check (or naming no request)', () => {
    expect(errorEndsCheck({ code: 'internal', request: 'check' }, true)).toBe(true);
    expect(errorEndsCheck({ code: 'internal' }, true)).toBe(true);
    // A Run's failure while the Check grades: the Check goes on in the runner, so it does on the page.
    expect(errorEndsCheck({ code: 'internal', request: 'run' }, true)).toBe(false);
    expect(errorEndsCheck({ code: 'internal', request: 'files' }, true)).toBe(false);
    expect(errorEndsCheck({ code: 'files_too_large', request: 'files' }, true)).toBe(false);
    expect(errorEndsCheck({ code: 'files_too_large' }, true)).toBe(false);
  });
});
