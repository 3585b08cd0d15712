#!/usr/bin/env -S node --initial-old-space-size=128
// Entry point of the `socklab` command: loads the TypeScript CLI through tsx,
// after finding the course it works on (--course DIR or the current folder).
//
// The flag above is the runner's, and this line is the one place it is
// given: `npm start`, the container and the tests run this file itself,
// never `node bin/socklab.js`. V8 counts the Buffers allocated since its
// last full collection against the old generation's limit, which it sets
// from the small live heap (about 20 MB): relaying terminal floods, the
// runner then ran a full collection ten times a second, pauses of up to
// 20-40 ms that a keystroke's echo waited behind. A floor of 128 MB lets
// the young collections free those Buffers first (keys bench: 3.1 s of GC
// in a minute before, 0.3 s after, no full collection).
import { register } from 'tsx/esm/api';

register();
const { serveCourseSite, takeCourse } = await import('../runner/course/detect.ts');
try {
  const course = takeCourse(process.argv);
  if (course) {
    process.env.SOCKLAB_COURSE_DIR = course;
    process.env.SOCKLAB_LABS_DIR = `${course}/labs`;
    if (!serveCourseSite(process.argv, course)) throw new Error('the course site did not build; see the errors above');
  }
} catch (err) {
  console.error(`socklab: ${err.message}`);
  process.exit(2);
}
await import('../runner/cli.ts');
