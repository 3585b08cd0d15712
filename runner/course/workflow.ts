/**
 * The GitHub Actions workflows `socklab init` writes, each one text also
 * shown on the "Write a lab" page: the course's own (every push validates
 * the labs and, when a class/ folder of submissions is there, grades it into
 * a report kept as an artifact), and the student repository's (GitHub
 * Classroom: every push grades the student's programs with the course's
 * checks, into JUnit, a job summary and Classroom's points).
 */

/** Node.js, the sandbox and the labs' languages: the steps both workflows start with. */
const SETUP_STEPS = `      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - name: Sandbox (bubblewrap) and the labs' languages
        run: |
          sudo apt-get update
          sudo apt-get install -y bubblewrap python3 default-jdk-headless
          sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0
`;

/** The bubblewrap sandbox needs unprivileged user namespaces, which GitHub's Ubuntu runners restrict by AppArmor. */
export const COURSE_WORKFLOW = `name: course
on: [push, pull_request]
jobs:
  labs:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
${SETUP_STEPS}      - run: npm ci
      - run: npx socklab validate
      - name: Grade the class (when class/ holds one folder per student)
        if: hashFiles('class/**') != ''
        run: npx socklab grade my-lab --class class --report socklab-report
      - uses: actions/upload-artifact@v4
        if: hashFiles('socklab-report/**') != ''
        with:
          name: class-report
          path: socklab-report/
`;

/**
 * The student workflow's grade, run from the workspace holding the student's
 * repository in submission/ and the course in course/ (its npm install
 * done). $LAB and $LOCALE come from the workflow's env; GitHub Actions sets
 * $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY, where the points for Classroom and
 * the job summary go. One text: the workflow runs it, and the tests run it
 * as it stands.
 */
export const STUDENT_GRADE_COMMAND =
  'course/node_modules/.bin/socklab grade "$LAB" submission --course course --locale "$LOCALE" --reporter junit --out socklab-junit.xml --classroom "$GITHUB_OUTPUT"';

/**
 * The workflow of a student's repository made by GitHub Classroom from the
 * course's classroom/ template. Classroom takes points only from a workflow
 * named "Autograding Tests" whose one job is run-autograding-tests; its
 * reporter reads SOCKLAB_RESULTS, the grade step's `result` output.
 */
export const STUDENT_WORKFLOW = `name: Autograding Tests
on: [push, workflow_dispatch, repository_dispatch]
permissions:
  checks: write
  actions: read
  contents: read
env:
  LAB: my-lab                    # the lab this assignment is (its id)
  COURSE: my-org/my-course       # the course repository: its labs and checks
  LOCALE: en                     # the words of the report: en or ko
jobs:
  run-autograding-tests:
    runs-on: ubuntu-24.04
    # Classroom's own first commit is not a submission.
    if: github.actor != 'github-classroom[bot]'
    steps:
      - uses: actions/checkout@v4
        with:
          path: submission
      # A private course repository needs a token that may read it (a secret named COURSE_TOKEN).
      - uses: actions/checkout@v4
        with:
          repository: \${{ env.COURSE }}
          token: \${{ secrets.COURSE_TOKEN || github.token }}
          path: course
${SETUP_STEPS}      - run: npm ci
        working-directory: course
      - name: Grade
        id: socklab
        run: ${STUDENT_GRADE_COMMAND}
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: socklab-junit
          path: socklab-junit.xml
      - name: Autograding Reporter
        if: always()
        uses: classroom-resources/autograding-grading-reporter@v1
        env:
          SOCKLAB_RESULTS: \${{ steps.socklab.outputs.result }}
        with:
          runners: socklab
`;
