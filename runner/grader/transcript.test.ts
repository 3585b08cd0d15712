/**
 * A transcript under a flood keeps its first exchanges and how the story
 * ends: threaded-broadcast's load check sends 3000 lines, then notes the
 * mixed line its failure tells the student to look for below.
 */
import { describe, expect, it } from 'vitest';
import { Transcript } from './transcript.ts';

describe('Transcript', () => {
  it("keeps the entries after a flood that has filled it (a check's note, a reset), bounded", () => {
    const log = new Transcript();
    let i = 0;
    while (!log.full) log.add('grader', 'A', `sent "line ${i++}\\n"`);
    const flood = log.entries.length;
    log.add('note', 'grader', 'round 1: A received "A:1:3: the quick B:1:0: brown fox"');
    log.add('program', 'B', 'reset the connection');
    expect(log.entries.length).toBe(flood + 2);
    expect(log.entries.at(-2)!.text).toMatch(/^round 1: A received/);
    // Bounded all the same: whatever adds past the flood, the ending has a cap.
    for (let j = 0; j < 1000; j++) log.add('note', 'grader', `note ${j}`);
    expect(log.entries.length).toBeLessThanOrEqual(flood + 100);
  });
});
