/**
 * The GitHub Actions workflow of a course: every push validates the labs
 * and, when a class/ folder of submissions is there, grades it into a
 * report kept as an artifact. One text, shown on the "Write a lab" page and
 * written by `socklab init`.
 */

/** The bubblewrap sandbox needs unprivileged user namespaces, which GitHub's Ubuntu runners restrict by AppArmor. */
export const COURSE_WORKFLOW = `name: course
on: [push, pull_request]
jobs:
  labs:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      - name: Sandbox (bubblewrap) and the labs' languages
        run: |
          sudo apt-get update
          sudo apt-get install -y bubblewrap python3 default-jdk-headless
          sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0
      - run: npm ci
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
