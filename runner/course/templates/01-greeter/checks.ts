/**
 * The grader of this lab: each check is a named behaviour, run against the
 * student's program in a fresh sandbox. `h` (the Harness) starts programs,
 * opens sockets and reads what they print; see the "Write a lab" page.
 */
import { defineChecks } from '../../../grader/api.ts';

const PORT = 12100;

export default defineChecks([
  {
    id: 'greets',
    name: 'answers "hello, <name>" on port 12100',
    role: 'server',
    points: 1,
    async run(h) {
      await h.start('server');
      const c = await h.connect(PORT);
      await c.sendLine('world');
      await c.expectLine('hello, world');
    },
  },
]);
