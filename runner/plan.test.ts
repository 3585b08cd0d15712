/** The run plan's process names, shared by the runner and the page. */
import { describe, expect, it } from 'vitest';
import { processName, processNames } from './plan.ts';

const plan = [
  { role: 'server', instances: 1, addable: false },
  { role: 'client', instances: 1, addable: true },
  { role: 'peer', instances: 2, addable: false },
];

describe('processNames', () => {
  it('numbers a role only when it can have more than one process, in start order', () => {
    expect(processNames(plan).map((p) => p.name)).toEqual(['server', 'client 1', 'peer 1', 'peer 2']);
  });

  it('starts as many clients as asked, none included', () => {
    expect(processNames(plan, 3).map((p) => p.name)).toEqual(['server', 'client 1', 'client 2', 'client 3', 'peer 1', 'peer 2']);
    expect(processNames(plan, 0).map((p) => p.role)).toEqual(['server', 'peer', 'peer']);
  });

  it('names an added client after those already there', () => {
    expect(processName(plan[1]!, 4)).toBe('client 4');
    expect(processName(plan[0]!, 1)).toBe('server');
  });
});
