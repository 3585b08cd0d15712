#!/usr/bin/env node
// Entry point of the `socklab` command: loads the TypeScript CLI through tsx,
// after finding the course it works on (--course DIR or the current folder).
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
