/**
 * `socklab`: serve the course, run a lab's programs from a folder, validate
 * the labs. Exit codes: 0 success, 1 the thing checked failed, 2 usage or
 * configuration error (with a message, never a stack trace).
 */
import { appendFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';
import { check, parseFlags, Sandbox, UsageError, wholeNumber } from './cli-args.ts';
import { Language } from '../protocol/messages.ts';
import { findLab, formatProblem, LabError, LABS_DIR, translationWarnings, type Lab } from './labs/load.ts';
import { loadCourseLabs } from './course/labs.ts';
import { ChecksError, gradeFiles, loadChecks, mutantProblems, rolesIn, type GradeReport } from './grader/engine.ts';
import { readStudentFolder, SubmissionError } from './grader/submission.ts';
import { jsonReport, junitReport, prettyResult, prettyStart, prettySummary } from './grader/reporters.ts';
import { classroomOutput, classroomResult, scoreReport, stepSummary } from './grader/ci-reports.ts';
import { classChecks } from './grader/class-grade.ts';
import { systemLocale } from './grader/i18n.ts';
import { graderSay, type GraderSay } from './grader/messages.ts';
import { LOCALES, type Locale } from '../protocol/i18n/catalog.ts';
import { DEFAULT_LIMITS, RECORDING_LIMITS, type Limits } from './limits.ts';
import { describeCut, Recorder } from '../protocol/recorder.ts';
import { readRecording } from '../protocol/recording.ts';
import { RecordingErrorCode } from '../protocol/constants.ts';
import { LANGUAGES } from './languages.ts';
import { Runner } from './runner.ts';
import { backendWarning, bwrapProblem } from './sandbox/index.ts';
import { serve } from './server/http.ts';
import { Replica } from './server/replica.ts';
import { startAgent } from './server/health.ts';
import { DEFAULT_DRAIN_SECONDS, serveUntilStopped } from './server/drain.ts';
import { PodDeletionCost, podFromEnv, SERVICE_ACCOUNT_DIR } from './server/pod-deletion-cost.ts';
import { buildSite, siteIsStale } from './course/build.ts';
import { cmdBuild, cmdInit, cmdNew, cmdSchema, COURSE_USAGE } from './course/commands.ts';
import { CLASS_GRADE_USAGE, cmdGradeClass, isClassGrade } from './course/grade-class.ts';
import { stopOnSignals } from './stop-signals.ts';

const ROOT = new URL('..', import.meta.url).pathname;

/** Each command's usage, printed by `socklab <command> --help` and, all together, by `socklab --help`. */
const USAGE: Record<string, string> = {
  serve: `  socklab serve [--port 4321] [--host 127.0.0.1] [--sandbox auto|bwrap|host] [--site DIR]
                [--public-host NAME]... [--trust-proxy]
                [--capacity N] [--drain-seconds 600] [--agent-port PORT]
                [--pod-deletion-cost auto|off]
      Serve the course site and the runner on one port (builds the site if needed).
      --public-host: a DNS name students use to reach this server (IP addresses
      and localhost always work); --trust-proxy: behind a reverse proxy, count
      sessions per student by X-Forwarded-For.
      --capacity: pages held at once, above which newcomers get 503 (a replica);
      SIGTERM drains: no new sessions, live ones go on up to --drain-seconds;
      a second SIGTERM stops at once. --agent-port: HAProxy's agent check.
      --pod-deletion-cost: in a Kubernetes pod (POD_NAME and POD_NAMESPACE set
      from the downward API, deploy/k8s), keep the pod's annotation
      controller.kubernetes.io/pod-deletion-cost at its open sessions, so a
      scale-in removes the emptiest pod first (needs get and patch on pods:
      deploy/k8s/rbac.yaml); auto (default) does so when those are set, off never.
`,
  run: `  socklab run <lab> <dir> [--lang python|javascript|java] [--sandbox auto|bwrap|host] [--record FILE]
      Run a lab's programs from the files in <dir>, each line prefixed with its
      process; your typing goes to the first client. Ctrl-C ends everything.
      --record: save the run (terminals, processes) to FILE for the Replay page.
`,
  grade: `  socklab grade <lab> <dir> [--lang L] [--only server|client] [--reporter pretty|json|junit] [--out FILE]
                [--sandbox auto|bwrap|host] [--locale en|ko] [--record FILE] [--wire]
                [--summary FILE] [--classroom FILE]
      Grade the programs in <dir> with the lab's checks (the same as the page's
      Check). The roles present in <dir> are graded; the language is found from
      the file names unless given. With --out the report goes to FILE and the
      pretty one to the terminal. Without a working sandbox grade refuses to
      run anyone's code unless --sandbox host is given. Check names, failures
      and hints are in --locale's language (default: the system's, from
      LC_ALL, LC_MESSAGES or LANG; English unless it is Korean).
      --record: save the grading (check results) to FILE for the Replay page.
      --wire: capture each check's packets (needs the sandbox); a failed check
      shows its last ones, the json reporter and --record keep them all.
      --summary: append a Markdown table (each check, passed or failed, its
      points) to FILE; in GitHub Actions it goes to $GITHUB_STEP_SUMMARY, the
      run's page, unless --summary none. --classroom: append the points as
      GitHub Classroom's autograding reporter reads them (result=<base64>) to
      FILE, in a workflow --classroom "$GITHUB_OUTPUT".
${CLASS_GRADE_USAGE}`,
  replay: `  socklab replay <file> [--cast PANE]
      Check a recorded run (--record, or the page's Share this run) and list
      its panes; --cast prints one pane (by name, e.g. server, or number) as an
      asciicast v2 file that asciinema plays: socklab replay run.json --cast server > server.cast
`,
  validate: `  socklab validate [--labs DIR]
      Check every lab folder; problems are printed as file:line.
`,
  ...COURSE_USAGE,
};

const EXIT_CODES = 'Exit codes: 0 success, 1 failure, 2 usage or configuration error.\n';

const HELP = `socklab — a course that runs students' socket programs for real

Usage:
${Object.values(USAGE).join('')}  socklab <command> --help
  socklab --version

${EXIT_CODES}`;

/** The limits a class is served with, shown by `socklab serve --help` (their one home is runner/limits.ts). */
function limitsHelp(): string {
  const l = DEFAULT_LIMITS;
  const mib = (n: number) => `${Math.round(n / 1024 / 1024)} MiB`;
  return `Limits (defaults, runner/limits.ts):
  sessions ${l.maxSessions} in all, ${l.maxSessionsPerClient} per student address; ${l.maxProcessesPerSession} programs per session
  per session (cgroup, where the runner may create one): memory ${mib(l.sessionMemoryBytes)} with shared memory and tmpfs,
    socket memory ${mib(l.sessionTcpMemoryBytes)}, ${l.sessionTasks} tasks, CPU weight ${l.sessionsCpuWeight} for all sessions
    together (the runner's own process: ${l.runnerCpuWeight}; a Check's sandbox ${l.checkCpuWeight} against a session's 100)
  per session (always): ${l.sandboxProcesses} processes, ${l.sandboxPtys} ptys, /work and /tmp ${mib(l.sandboxWorkBytes)} and ${l.sandboxTmpInodes} files each,
    socket buffers ${l.sandboxSocketBufferBytes / 1024} KiB, idle end after ${l.sessionIdleMs / 60_000} min, at most ${l.sessionMaxMs / 3_600_000} h
  per program: data ${mib(l.sandboxDataBytes)}, files ${mib(l.sandboxFileBytes)}, ${l.sandboxOpenFiles} open files, ${l.sandboxCpuSeconds} s of CPU

`;
}

/** A student's folder as `run` and `grade` send it; its problems are usage errors (exit 2). */
function studentFolder(dirArg: string, lab: Lab, langOpt: string | undefined, limits: Limits, say: GraderSay = graderSay(systemLocale())): { lang: Language; files: { name: string; content: string }[] } {
  const lang = langOpt === undefined ? undefined : check(Language, langOpt, '--lang');
  try {
    const read = readStudentFolder(dirArg, lab, lang, limits, say);
    if (read.skipped.length) console.error(`socklab: ${say('submission.skipped', { names: read.skipped.join(', ') })}`);
    return read;
  } catch (err) {
    if (err instanceof SubmissionError) throw new UsageError(err.message);
    throw err;
  }
}

/** A usage or configuration error: printed plainly, exit code 2. */
/** How to make bubblewrap work, for every message that refuses to go on without it. */
const ENABLE_SANDBOX = `To enable the sandbox:
  - install bubblewrap (Debian, Ubuntu: sudo apt-get install bubblewrap)
  - allow unprivileged user namespaces: sudo sysctl kernel.unprivileged_userns_clone=1
  - on Ubuntu 23.10 and later also: sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command ? 0 : 2;
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    process.stdout.write(`socklab ${version}\n`);
    return 0;
  }
  if (command in USAGE && rest.some((a) => a === '--help' || a === '-h')) {
    process.stdout.write(`Usage:\n${USAGE[command]}\n${command === 'serve' ? limitsHelp() : ''}${EXIT_CODES}`);
    return 0;
  }
  switch (command) {
    case 'serve':
      return cmdServe(rest);
    case 'run':
      return cmdRun(rest);
    case 'grade':
      return isClassGrade(rest) ? cmdGradeClass(rest) : cmdGrade(rest);
    case 'validate':
      return cmdValidate(rest);
    case 'replay':
      return cmdReplay(rest);
    case 'init':
      return cmdInit(rest);
    case 'build':
      return cmdBuild(rest);
    case 'new':
      return cmdNew(rest);
    case 'schema':
      return cmdSchema(rest);
    default:
      throw new UsageError(`unknown command "${command}" (try socklab --help)`);
  }
}

async function cmdServe(args: string[]): Promise<number> {
  const { values } = parseFlags('serve', args, { port: { type: 'string' }, host: { type: 'string' }, sandbox: { type: 'string' }, site: { type: 'string' }, 'trust-proxy': { type: 'boolean' }, 'public-host': { type: 'string', multiple: true }, capacity: { type: 'string' }, 'drain-seconds': { type: 'string' }, 'agent-port': { type: 'string' }, 'pod-deletion-cost': { type: 'string' } });
  const port = wholeNumber(values.port ?? process.env.PORT ?? '4321', 1, 65535, values.port === undefined && process.env.PORT !== undefined ? 'PORT' : '--port');
  const host = check(z.string().min(1), values.host ?? '127.0.0.1', '--host');
  const sandbox = check(Sandbox, values.sandbox ?? 'auto', '--sandbox');
  const siteDir = resolve(values.site ?? join(ROOT, 'dist'));
  const capacity = values.capacity === undefined ? undefined : wholeNumber(values.capacity, 1, 100_000, '--capacity');
  const drainSeconds = wholeNumber(values['drain-seconds'] ?? String(DEFAULT_DRAIN_SECONDS), 0, 86_400, '--drain-seconds');
  const agentPort = values['agent-port'] === undefined ? undefined : wholeNumber(values['agent-port'], 1, 65535, '--agent-port');
  const deletionCost = check(z.enum(['auto', 'off']), values['pod-deletion-cost'] ?? 'auto', '--pod-deletion-cost');
  const place = deletionCost === 'off' ? ({ kind: 'absent' } as const) : podFromEnv(process.env);
  if (place.kind === 'invalid') throw new UsageError(`--pod-deletion-cost: ${place.why} (or pass --pod-deletion-cost off)`);
  const runner = new Runner({ sandbox, sandboxAhead: true, browserAhead: true, ...(capacity ? { limits: { maxSessions: capacity } } : {}) });
  const replica = new Replica(runner);
  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(host);
  if (runner.backend.name === 'host' && !loopback) {
    throw new UsageError(`refusing to serve ${host} without a sandbox: other people's code would run as you. Serve on 127.0.0.1, or enable the sandbox.\n${ENABLE_SANDBOX}`);
  }
  if (values.site && !existsSync(join(siteDir, 'index.html'))) throw new UsageError(`${siteDir} has no index.html`);
  // socklab's own site is built on the first start, and again once its sources are newer (a `git pull`): never served old.
  if (!values.site && siteIsStale(siteDir)) {
    console.log(existsSync(join(siteDir, 'index.html')) ? "socklab: the course site's sources changed since it was built: building it again..." : 'socklab: building the course site (on the first start, and again when its sources change)...');
    if (!buildSite(null)) throw new UsageError('the site did not build; see the errors above');
  }
  const publicHosts = ([] as string[]).concat(values['public-host'] ?? []).map((h) => check(z.string().regex(/^[a-z0-9.-]+$/i, 'a host name like course.example.edu'), h, '--public-host'));
  const server = await serve({ runner, siteDir, port, host, publicHosts, trustProxy: values['trust-proxy'] === true, replica }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') throw new UsageError(`port ${port} is already in use (is socklab already running?); stop that, or pick another with --port`);
    if (err.code === 'EADDRNOTAVAIL') throw new UsageError(`${host} is not an address of this machine`);
    throw err;
  });
  const agent = agentPort === undefined ? undefined : await startAgent(replica, agentPort, host);
  if (runner.backend.warning) console.warn(`socklab: warning: ${runner.backend.warning}`);
  if (place.kind === 'incomplete') console.warn(`socklab: warning: not keeping the pod-deletion-cost: ${place.why}`);
  const cost = place.kind === 'pod' ? new PodDeletionCost({ pod: place.pod, secretDir: SERVICE_ACCOUNT_DIR, cost: () => runner.sessionCount, log: (line) => console.warn(line) }) : undefined;
  if (place.kind === 'pod') console.log(`socklab: keeping pod ${place.pod.namespace}/${place.pod.name}'s pod-deletion-cost at its open sessions`);
  console.log(`socklab: the course is at http://${host.includes(':') ? `[${host}]` : host}:${port}  (sandbox: ${runner.backend.name}; Ctrl-C stops)`);
  await serveUntilStopped({ server, runner, replica, drainMs: drainSeconds * 1000, log: (line) => console.log(line), closeAlso: [...(agent ? [agent] : []), ...(cost ? [cost] : [])] });
  return 0;
}

async function cmdRun(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('run', args, { lang: { type: 'string' }, sandbox: { type: 'string' }, record: { type: 'string' } });
  if (positionals.length !== 2) throw new UsageError('usage: socklab run <lab> <dir> [--lang L] [--record FILE]');
  const recordTo = values.record === undefined ? undefined : check(z.string().min(1), values.record, '--record');
  const [labName, dirArg] = positionals as [string, string];
  const sandbox = check(Sandbox, values.sandbox ?? 'auto', '--sandbox');
  const runner = new Runner({ sandbox });
  const lab = findLabOrFail(runner, labName);
  const { lang, files } = studentFolder(dirArg, lab, values.lang, runner.limits);
  if (runner.backend.warning) console.error(`socklab: warning: ${runner.backend.warning}`);
  const recorder = recordTo === undefined ? undefined : new Recorder({ lab: lab.meta.id, lang }, RECORDING_LIMITS);

  const procs = new Map<number, { name: string; role: string; decoder: StringDecoder; partial: string; exit?: number }>();
  const write = (id: number, text: string, end = false) => {
    const p = procs.get(id);
    if (!p) return;
    const lines = (p.partial + text).replace(/\r/g, '').split('\n');
    p.partial = end ? '' : lines.pop()!;
    for (const line of end ? lines.filter((l, i) => l || i < lines.length - 1) : lines) process.stdout.write(`[${p.name}] ${line}\n`);
  };
  const session = await runner.open(lab.meta.id, lang, 'cli', {
    output: (id, data) => {
      recorder?.output(id, data);
      write(id, procs.get(id)?.decoder.write(data) ?? '');
    },
    proc: (info) => {
      recorder?.message({ type: 'proc', proc: info });
      if (!procs.has(info.id)) procs.set(info.id, { name: info.name, role: info.role, decoder: new StringDecoder('utf8'), partial: '' });
      const p = procs.get(info.id)!;
      if (info.state === 'listening') console.error(`socklab: ${info.name} is listening on ${info.listening?.map((l) => `${l.port}/${l.protocol}`).join(', ')}`);
      if (info.state === 'exited') {
        write(info.id, p.decoder.end(), true);
        p.exit = info.exitCode;
        console.error(`socklab: ${info.name} exited with code ${info.exitCode}${info.signal ? ` (${info.signal})` : ''}`);
        maybeDone();
      }
    },
    notice: (_code, message) => console.error(`socklab: ${message}`),
  });
  let finish!: (code: number) => void;
  const done = new Promise<number>((r) => (finish = r));
  const servers = new Set(lab.meta.processes.filter((p) => p.ready).map((p) => p.role));
  const maybeDone = () => {
    const clients = [...procs.values()].filter((p) => !servers.has(p.role));
    if (clients.length && clients.every((p) => p.exit !== undefined)) finish(clients.some((p) => p.exit !== 0) ? 1 : 0);
  };
  process.once('SIGINT', () => finish(130));
  process.once('SIGTERM', () => finish(143));
  session.setFiles(files);
  await session.run();
  const firstClient = [...procs.entries()].find(([, p]) => !servers.has(p.role))?.[0];
  const onStdin = (d: Buffer) => firstClient && session.input(firstClient, d.toString());
  process.stdin.on('data', onStdin);
  // A terminal that goes away mid-run ends the input, nothing more.
  process.stdin.on('error', () => process.stdin.pause());
  process.stdin.on('end', () => firstClient && !session.isClosed && session.input(firstClient, '\x04'));
  if (firstClient === undefined) console.error('socklab: this lab starts no client; Ctrl-C ends the server');
  const code = await done;
  process.stdin.off('data', onStdin);
  process.stdin.pause();
  await runner.close();
  if (recorder && recordTo) saveRecording(recorder, recordTo);
  return code;
}

/** Writes a recording and says where, and what its limits cut. */
function saveRecording(recorder: Recorder, file: string): void {
  const recording = recorder.finish();
  writeFileSync(file, JSON.stringify(recording));
  const cut = describeCut(recording.cut);
  if (cut) console.error(`socklab: ${cut}`);
  console.error(`socklab: recorded to ${file}`);
}

async function cmdReplay(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('replay', args, { cast: { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError('usage: socklab replay <file> [--cast PANE]');
  const file = positionals[0]!;
  if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`${file} is not a file`);
  if (statSync(file).size > RECORDING_LIMITS.maxFileBytes) throw new UsageError(`${RecordingErrorCode.recording_too_large}: ${file} is larger than ${RECORDING_LIMITS.maxFileBytes / 1024 / 1024} MiB`);
  const read = readRecording(readFileSync(file, 'utf8'), RECORDING_LIMITS.maxFileBytes);
  if (!read.ok) throw new UsageError(`${read.code}: ${file}: ${read.message}`);
  const { recording } = read;
  if (values.cast !== undefined) {
    const pane = recording.panes.find((p) => p.name === values.cast || String(p.proc) === values.cast);
    if (!pane) throw new UsageError(`${RecordingErrorCode.recording_no_pane}: --cast: no pane "${values.cast}"; panes: ${recording.panes.map((p) => p.name).join(', ') || 'none'}`);
    process.stdout.write(pane.cast);
    return 0;
  }
  const checks = recording.events.flatMap((e) => (e.msg.type === 'checkResult' ? [e.msg.result] : []));
  console.log(`${recording.lab} (${recording.lang}), ${(recording.durationMs / 1000).toFixed(1)} s, recorded ${new Date(recording.startedAt * 1000).toISOString()}`);
  for (const p of recording.panes) console.log(`  pane ${p.proc}: ${p.name}`);
  if (checks.length) console.log(`  checks: ${checks.map((c) => `${c.id} ${c.status}`).join(', ')}`);
  const cut = describeCut(recording.cut);
  if (cut) console.log(`  ${cut}`);
  return 0;
}

function findLabOrFail(runner: Runner, labName: string): Lab {
  const lab = findLab(runner.labs, labName);
  if (!lab || lab.meta.processes.length === 0) {
    throw new UsageError(`no lab with programs is called "${labName}"; labs: ${runner.labs.filter((l) => l.meta.processes.length).map((l) => l.meta.id).join(', ')}`);
  }
  return lab;
}

async function cmdGrade(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('grade', args, { lang: { type: 'string' }, only: { type: 'string' }, reporter: { type: 'string' }, out: { type: 'string' }, sandbox: { type: 'string' }, locale: { type: 'string' }, record: { type: 'string' }, summary: { type: 'string' }, classroom: { type: 'string' }, wire: { type: 'boolean' } });
  const recordTo = values.record === undefined ? undefined : check(z.string().min(1), values.record, '--record');
  // GitHub Actions names the job summary's file; an empty variable (outside Actions) means none.
  const summaryArg = values.summary ?? (process.env.GITHUB_STEP_SUMMARY || 'none');
  const summaryTo = summaryArg === 'none' ? undefined : check(z.string().min(1), summaryArg, '--summary');
  const classroomTo = values.classroom === undefined ? undefined : check(z.string().min(1, 'a file, in a workflow "$GITHUB_OUTPUT"'), values.classroom, '--classroom');
  if (positionals.length !== 2) throw new UsageError('usage: socklab grade <lab> <dir> [--lang L] [--only ROLE] [--locale en|ko] [--reporter pretty|json|junit] [--out FILE] [--record FILE] [--wire] [--summary FILE] [--classroom FILE]');
  const locale = values.locale === undefined ? systemLocale() : check(z.enum(LOCALES as [Locale, ...Locale[]]), values.locale, '--locale');
  const say = graderSay(locale);
  const [labName, dirArg] = positionals as [string, string];
  const reporter = check(z.enum(['pretty', 'json', 'junit']), values.reporter ?? 'pretty', '--reporter');
  const sandbox = check(Sandbox, values.sandbox ?? 'auto', '--sandbox');
  // Grading usually runs other people's code: no quiet fallback to running it as you.
  const problem = sandbox === 'host' ? null : bwrapProblem();
  if (problem) {
    throw new UsageError(`refusing to grade without a sandbox: bubblewrap cannot run here (${problem}).
The programs would run as you, with your files and your network.
${ENABLE_SANDBOX}
To grade your own code anyway, pass --sandbox host.`);
  }
  const wire = values.wire === true;
  const runner = new Runner({ sandbox: sandbox === 'host' ? 'host' : 'bwrap' });
  if (wire && !runner.backend.capturesPackets) {
    await runner.close();
    throw new UsageError('--wire needs the sandbox: without it the programs share this computer’s own loopback, so their packets cannot be captured.');
  }
  const lab = findLabOrFail(runner, labName);
  const roles = lab.meta.processes.map((p) => p.role);
  const only = values.only === undefined ? undefined : [check(z.enum(roles as [string, ...string[]]), values.only, '--only')];
  let points;
  try {
    await loadChecks(lab);
    points = await classChecks(lab);
  } catch (err) {
    if (err instanceof ChecksError) throw new UsageError(err.message);
    throw err;
  }
  /** The job summary and Classroom's points, when asked for. */
  const ciReports = (report: GradeReport) => {
    const scored = scoreReport(report, points, only, say);
    if (summaryTo) appendOrFail(summaryTo, stepSummary(report, scored, say), '--summary');
    if (classroomTo) appendOrFail(classroomTo, classroomOutput(classroomResult(report, scored)), '--classroom');
  };
  // A submission with nothing to grade still gets its zero in CI (every check unrun), not a reporter left with no result.
  const nothingGraded = (lang: Language, why: string): never => {
    ciReports({ lab: lab.meta.id, lang, roles: [], results: [], passed: 0, failed: 0, skipped: 0, durationMs: 0 });
    throw new UsageError(why);
  };
  let folder;
  try {
    folder = studentFolder(dirArg, lab, values.lang, runner.limits, say);
  } catch (err) {
    if (err instanceof UsageError) nothingGraded(lab.meta.languages[0]!, err.message);
    throw err;
  }
  const { lang, files } = folder;
  const present = rolesIn(lab, lang, files.map((f) => f.name));
  const graded = only ? present.filter((r) => only.includes(r)) : present;
  if (graded.length === 0) nothingGraded(lang, say('submission.nothingToGrade', { dir: dirArg, files: (only ?? roles).map((r) => LANGUAGES[lang].fileFor(r)).join(' / ') }));
  const recorder = recordTo === undefined ? undefined : new Recorder({ lab: lab.meta.id, lang }, RECORDING_LIMITS);
  const pretty = reporter === 'pretty' || values.out !== undefined;
  const tty = Boolean(process.stdout.isTTY);
  if (pretty) {
    console.log(say('report.grading', { lab: lab.meta.id, lang: LANGUAGES[lang].label, files: graded.map((r) => LANGUAGES[lang].fileFor(r)).join(', ') }));
    if (runner.backend.warning) console.error(`socklab: warning: ${backendWarning(runner.backend, locale)}`);
  }
  // Ctrl-C (or a CI job's cancel) stops the checks and waits for their sandboxes; a second signal quits at once.
  const stop = stopOnSignals(() => console.error(`${pretty && tty ? '\x1b[2K' : ''}socklab: ${say('report.stopping')}`));
  let report: GradeReport;
  try {
    report = await gradeFiles({
      lab,
      lang,
      files,
      backend: runner.backend,
      limits: runner.limits,
      locale,
      wire,
      signal: stop.signal,
      ...(only ? { only } : {}),
      onPlan: (checks) => recorder?.message({ type: 'checkStarted', checks: checks.map((c) => ({ id: c.id, name: c.name, role: c.role })) }),
      onStart: (c) => {
        if (pretty && tty) process.stdout.write(`${prettyStart(c, say)}\r`);
      },
      onResult: (r) => {
        recorder?.message({ type: 'checkResult', result: r });
        if (pretty) process.stdout.write(`${tty ? '\x1b[2K' : ''}${prettyResult(r, say)}\n`);
      },
    });
  } finally {
    stop.dispose();
  }
  // Stopped before its last result: no verdict. (After it, while the sandboxes closed, the verdict stands.)
  if (report.stopped) {
    await runner.close();
    console.error(`socklab: ${say('report.stopped')}`);
    return stop.exitCode();
  }
  if (pretty) console.log(prettySummary(report, say));
  const text = reporter === 'json' ? jsonReport(report) : reporter === 'junit' ? junitReport(report, say) : null;
  if (text !== null) {
    if (values.out) writeFileSync(values.out, text);
    else process.stdout.write(text);
  }
  await runner.close();
  ciReports(report);
  if (recorder && recordTo) {
    recorder.message({ type: 'checkDone', passed: report.passed, failed: report.failed, skipped: report.skipped, durationMs: report.durationMs });
    saveRecording(recorder, recordTo);
  }
  return report.failed === 0 ? 0 : 1;
}

/** Appends a CI report to `file` (GitHub's summary and output files are appended to, by every step); a file that cannot be written is a usage error. */
function appendOrFail(file: string, text: string, option: string): void {
  try {
    appendFileSync(file, text);
  } catch (err) {
    throw new UsageError(`${option}: cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function cmdValidate(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('validate', args, { labs: { type: 'string' } });
  if (positionals.length) throw new UsageError('usage: socklab validate [--labs DIR]');
  const dir = resolve(values.labs ?? LABS_DIR);
  if (!existsSync(dir)) throw new UsageError(`${dir} does not exist`);
  let labs: Lab[];
  try {
    labs = loadCourseLabs(dir);
  } catch (err) {
    if (!(err instanceof LabError)) throw err;
    for (const p of err.problems) console.error(formatProblem(p));
    console.error(`${err.problems.length} problem${err.problems.length === 1 ? '' : 's'} found`);
    return 1;
  }
  let problems = 0;
  for (const lab of labs) {
    const issues: string[] = [];
    if (existsSync(join(lab.dir, 'checks.ts'))) {
      try {
        const { checks } = await loadChecks(lab);
        issues.push(...mutantProblems(lab, checks));
      } catch (err) {
        issues.push(err instanceof ChecksError ? err.message : `${lab.folder}/checks.ts: ${(err as Error).message}`);
      }
    } else if (lab.meta.processes.length > 0) {
      issues.push(`${lab.folder}: no checks.ts yet (the lab has programs but no grader)`);
    }
    for (const w of translationWarnings(lab)) console.warn(`warning: labs/${w}`);
    if (issues.length) {
      problems += issues.length;
      for (const i of issues) console.error(`labs/${i}`);
    } else console.log(`ok  ${lab.folder}  ${lab.meta.title}`);
  }
  if (problems) {
    console.error(`${problems} problem${problems === 1 ? '' : 's'} found`);
    return 1;
  }
  console.log(`${labs.length} labs valid`);
  return 0;
}

// A reader that goes away (`socklab grade ... | head`) ends the command, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? 0 : 2));
}

/**
 * Exits with `code` once stdout and stderr have handed all they hold to the
 * OS. On a pipe Node writes asynchronously: an immediate process.exit()
 * would drop what a slow reader has not taken yet (everything past the
 * pipe's 64 KiB of `socklab grade --reporter json | jq`). The exit stays
 * explicit because a command may leave handles open (serve's, a runner's).
 */
async function exitWhenFlushed(code: number): Promise<never> {
  process.exitCode = code;
  const flushed = (stream: NodeJS.WriteStream) =>
    new Promise<void>((resolve) => {
      // A write queues behind the ones before it: its callback runs once they are out.
      if (stream.destroyed || stream.writableLength === 0) resolve();
      else stream.write('', () => resolve());
    });
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

main(process.argv.slice(2)).then(
  (code) => exitWhenFlushed(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`socklab: ${err.message}`);
    } else if (err instanceof LabError) {
      for (const p of err.problems) console.error(formatProblem(p));
    } else {
      console.error(`socklab: ${(err as Error)?.message ?? err}`);
      if (process.env.SOCKLAB_DEBUG) console.error(err);
    }
    return exitWhenFlushed(2);
  },
);
