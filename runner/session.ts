/**
 * A session: one student's lab in one language. It owns one sandbox, the
 * student's files inside it, and the processes of the lab's run plan. The
 * WebSocket handler and `socklab run` drive it; it reports through events.
 */
import type { Language, NoticeCode, ProcInfo, ProcState, SocketView, StudentFile, WirePacket } from '../protocol/messages.ts';
import { WireCapture, ownerKey } from './wire/capture.ts';
import { processTree, socketInodes } from './sandbox/procfs.ts';
import { LANGUAGES, withScaffold } from './languages.ts';
import type { Lab } from './labs/load.ts';
import type { ProcessSpec } from '../protocol/lab.ts';
import type { Limits } from './limits.ts';
import { processName, processNames } from './plan.ts';
import { SandboxError, type Sandbox } from './sandbox/index.ts';
import { waitUntilBound } from './sandbox/wait-bound.ts';
import { prepareJavaArchive } from './sandbox/java-archive.ts';
import { PtyProcess, newExitTag, type ProcessExit } from './terminal/pty-process.ts';
import { OutputTail } from './terminal/missing-module.ts';
import { ProgramAhead, claimWithSandbox, type ProgramSink } from './terminal/program-ahead.ts';

/** A problem the client caused; `code` is one of the protocol's ErrorCodes. */
export class SessionError extends Error {
  constructor(readonly code: 'bad_files' | 'files_too_large' | 'unknown_process' | 'too_many_processes' | 'session_ended' | 'check_running' | 'check_stopped' | 'not_offered', message: string) {
    super(message);
    this.name = 'SessionError';
  }
}

export interface SessionEvents {
  output(proc: number, data: Buffer): void;
  proc(info: ProcInfo): void;
  notice(code: NoticeCode, message: string, proc?: number): void;
  /** A batch of the wire view's packets (only while it is on, see setWire). */
  wire?(packets: WirePacket[], dropped: number): void;
}

interface Proc {
  id: number;
  name: string;
  spec: ProcessSpec;
  state: ProcState;
  term: PtyProcess | null;
  cols: number;
  rows: number;
  exit?: ProcessExit;
}

const READY_POLL_MS = 10;
/** How long after a Run the next one's program is started ahead (the Run's own programs start first). */
const AHEAD_AFTER_RUN_MS = 1000;

export class Session {
  private readonly procs = new Map<number, Proc>();
  private files: StudentFile[] = [];
  private filesDirty = false;
  private nextId = 1;
  /** The close under way or done (a second close awaits the first). */
  private closing: Promise<void> | null = null;
  /** Aborted as the session closes, so that work done for it (a Check) stops with it. */
  private readonly ending = new AbortController();
  /** Bumped by every run/stop so a plan that is still starting gives up. */
  private generation = 0;
  /** Percent of packets dropped on the lab's loss port (LabFrontmatter.network), 0 when off. */
  private loss = 0;
  /** The tail of the serialized process operations. */
  private chain: Promise<unknown> = Promise.resolve();
  /** The wire view's capture while it is on (or starting). */
  private wire: Promise<WireCapture | null> | null = null;
  /** The next Run's first program, started ahead (program-ahead.ts). */
  private ahead: ProgramAhead | null = null;
  private aheadTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly id: string,
    readonly lab: Lab,
    readonly lang: Language,
    readonly sandbox: Sandbox,
    private readonly limits: Limits,
    private readonly events: SessionEvents,
  ) {
    // A student who opens a lab presses Run soon: its first program was started with the sandbox, or starts now.
    this.ahead = claimWithSandbox(sandbox) ?? ProgramAhead.start(sandbox, limits);
  }

  /** Replaces the student's files (written into the sandbox at the next run). */
  setFiles(files: StudentFile[]): string[] {
    this.assertOpen();
    if (files.length > this.limits.maxFiles) throw new SessionError('bad_files', `at most ${this.limits.maxFiles} files`);
    const names = new Set<string>();
    let total = 0;
    for (const f of files) {
      if (names.has(f.name)) throw new SessionError('bad_files', `${f.name} is sent twice`);
      names.add(f.name);
      const size = Buffer.byteLength(f.content, 'utf8');
      if (size > this.limits.maxFileBytes) throw new SessionError('files_too_large', `${f.name} is ${size} bytes; the limit is ${this.limits.maxFileBytes}`);
      total += size;
    }
    if (total > this.limits.maxTotalFileBytes) throw new SessionError('files_too_large', `the files add up to ${total} bytes; the limit is ${this.limits.maxTotalFileBytes}`);
    this.files = files;
    this.filesDirty = true;
    return [...names];
  }

  /** Which session process holds each socket inode, as last found (the inspector asks several times a second). */
  private readonly socketOwners = new Map<number, number>();

  /**
   * The namespace's sockets and which session process holds each (-1: none
   * of the session's, i.e. the grader's or the runner's). The processes'
   * descriptors are walked only when a socket appears that has no known
   * owner: a watched, steady session costs one read of the table.
   */
  private async ownedTable() {
    const table = await this.sandbox.sockets();
    const owner = this.socketOwners;
    if (table.some((s) => s.inode && !owner.has(s.inode))) {
      owner.clear();
      await Promise.all(
        [...this.procs.values()].map(async (p) => {
          if (!p.term || !p.term.pid || p.state === 'exited') return;
          for (const pid of await processTree(p.term.pid)) for (const inode of await socketInodes(pid)) owner.set(inode, p.id);
        }),
      );
      // Sockets of nobody in the session (the grader's, the runner's): remembered as such, so they do not trigger a walk each time.
      for (const s of table) if (s.inode && !owner.has(s.inode)) owner.set(s.inode, -1);
    }
    return { table, owner };
  }

  /** The namespace's sockets, each with the process that holds it. */
  async sockets(): Promise<SocketView[]> {
    const { table, owner } = await this.ownedTable();
    const at = (address: string, port: number) => (address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`);
    return table
      .filter((s) => s.state !== 'TIME_WAIT' || s.sendQueue + s.recvQueue > 0)
      .map((s) => ({
        protocol: s.protocol,
        state: s.state,
        local: at(s.localAddress, s.localPort),
        remote: s.remotePort ? at(s.remoteAddress, s.remotePort) : '*',
        sendQueue: s.sendQueue,
        recvQueue: s.recvQueue,
        bufBytes: this.limits.sandboxSocketBufferBytes,
        ...(s.drops > 0 ? { drops: s.drops } : {}),
        ...((owner.get(s.inode) ?? -1) >= 0 ? { proc: owner.get(s.inode)! } : {}),
      }));
  }

  /**
   * Turns the wire view on or off: the session's packets, decoded, go to
   * `events.wire` in batches until it is turned off or the session ends.
   * Where the backend cannot capture (host), a `wire_unavailable` notice
   * says so instead.
   */
  async setWire(on: boolean): Promise<void> {
    this.assertOpen();
    if (!on) return this.stopWire();
    if (this.wire) return;
    const command = this.sandbox.captureCommand(this.limits.wireHeadBytes, this.limits.wirePacketsPerSecond);
    if (!command) {
      this.events.notice('wire_unavailable', 'The wire view needs the sandbox: this runner has none, so your programs share the computer’s own loopback and their packets cannot be shown.');
      return;
    }
    const starting = WireCapture.start({
      command,
      limits: this.limits,
      owners: () => this.wireOwners(),
      onBatch: (packets, dropped) => this.events.wire?.(packets, dropped),
    });
    this.wire = starting.catch(() => null);
    let capture: WireCapture;
    try {
      capture = await starting;
    } catch (err) {
      this.wire = null;
      throw new SessionError('not_offered', `the wire view could not start: ${(err as Error).message}`);
    }
    // Closed (or turned off) while it started: it must not outlive that.
    if (this.isClosed || !this.wire) await capture.stop();
    void this.sandbox.ended.then(() => capture.stop());
  }

  /** Host pid of the wire view's packet reader while it runs (tests check it is gone after). */
  async wirePid(): Promise<number | undefined> {
    return (await this.wire)?.pid;
  }

  private async stopWire(): Promise<void> {
    const wire = this.wire;
    this.wire = null;
    await (await wire)?.stop();
  }

  /** Each socket end's owner as the wire view names it ("server", "client 1", "grader"), by ownerKey; and the session's programs. */
  private async wireOwners(): Promise<{ byPort: Map<string, string>; programs: string[] }> {
    const { table, owner } = await this.ownedTable();
    // The grader's sockets are the runner's own: the agent hands each one over and closes its copy.
    const runners = new Set(await socketInodes(process.pid));
    const names = new Map<string, string>();
    for (const s of table) {
      const id = owner.get(s.inode);
      if (!s.inode || id === undefined) continue;
      // -1 and not the runner's: a socket whose program closed it before the walk; better no name than a wrong one.
      const name = id >= 0 ? this.procs.get(id)?.name : runners.has(s.inode) ? 'grader' : undefined;
      if (name) names.set(ownerKey(s.protocol, s.localPort), name);
    }
    return { byPort: names, programs: [...this.procs.values()].map((p) => p.name) };
  }

  /** The files the student sent last. */
  currentFiles(): StudentFile[] {
    return [...this.files];
  }

  /**
   * Stops everything, writes the files, then starts the plan in order.
   * Operations that start or stop processes (run, addClient, restart, stop)
   * run one after another, so two of them never race over the same
   * process; a newer run or stop makes a plan still starting give up.
   */
  run(clients?: number): Promise<void> {
    this.assertOpen();
    const generation = ++this.generation;
    return this.serial(async () => {
      if (generation !== this.generation) return;
      await this.stopAll();
      this.assertOpen();
      this.procs.clear();
      await this.syncFiles();
      // Each Run starts the loss pattern from its beginning, so a run can be replayed.
      if (this.loss) await this.applyLoss();
      for (const { name, spec } of processNames(this.lab.meta.processes, clients)) {
        if (generation !== this.generation || this.isClosed) return;
        const proc = this.addProc(spec, name);
        await this.start(proc, generation, true);
        // A server that ended before it was ready: the rest would only talk to nothing.
        if (proc.spec.ready && proc.state === 'exited') return;
      }
    }).finally(() => this.startAheadLater());
  }

  /**
   * Turns the lab's network condition (dropping `network.loss.percent` of the
   * packets on its port) on or off, at once and for every later Run; returns
   * the percent now dropped.
   */
  setNetwork(loss: boolean): Promise<number> {
    this.assertOpen();
    const offered = this.lab.meta.network?.loss;
    if (!offered) throw new SessionError('not_offered', 'this lab offers no network conditions');
    return this.serial(async () => {
      this.assertOpen();
      this.loss = loss ? offered.percent : 0;
      await this.applyLoss();
      return this.loss;
    });
  }

  private async applyLoss(): Promise<void> {
    const offered = this.lab.meta.network!.loss;
    try {
      await this.sandbox.setLoss(this.loss ? { port: offered.port, proto: offered.protocol, percent: this.loss } : null);
    } catch (err) {
      this.loss = 0;
      if (err instanceof SandboxError) throw new SessionError('not_offered', `network conditions are not available here: ${err.message}`);
      throw err;
    }
  }

  /** Starts one more process of the first addable role. */
  addClient(): Promise<number> {
    this.assertOpen();
    const spec = this.lab.meta.processes.find((p) => p.addable);
    if (!spec) throw new SessionError('unknown_process', 'this lab has no process to add');
    return this.serial(async () => {
      this.assertOpen();
      await this.syncFiles();
      this.assertOpen();
      const n = [...this.procs.values()].filter((p) => p.spec.role === spec.role).length + 1;
      const proc = this.addProc(spec, processName(spec, n));
      await this.start(proc, this.generation);
      return proc.id;
    });
  }

  /** Types into a process; tells the student when the program is not reading. */
  input(id: number, data: string): void {
    const p = this.get(id);
    if (p.term && !p.term.write(data)) {
      this.events.notice('input_dropped', `${p.name} is not reading its input, so what you typed was dropped`, p.id);
    }
  }

  resize(id: number, cols: number, rows: number): void {
    const p = this.get(id);
    p.cols = cols;
    p.rows = rows;
    p.term?.resize(cols, rows);
  }

  ack(id: number, bytes: number): void {
    this.procs.get(id)?.term?.ack(bytes);
  }

  /** Pauses (or resumes) every program while the client's connection cannot take more output. */
  setOutputBlocked(blocked: boolean): void {
    for (const p of this.procs.values()) p.term?.setSinkBlocked(blocked);
  }

  /** Stops one process, or every process. */
  stop(id?: number): Promise<void> {
    this.assertOpen();
    if (id === undefined) {
      this.generation++;
      return this.serial(() => this.stopAll());
    }
    const p = this.get(id);
    return this.serial(async () => {
      await p.term?.stop();
    });
  }

  /** Stops one process and starts it again with the current files. */
  restart(id: number): Promise<void> {
    const p = this.get(id);
    return this.serial(async () => {
      this.assertOpen();
      await p.term?.stop();
      this.assertOpen();
      if (this.procs.get(p.id) !== p) return; // a run replaced the plan meanwhile
      this.assertRoom(p);
      await this.syncFiles();
      this.assertOpen();
      await this.start(p, this.generation);
    });
  }

  /**
   * Ends every process and the sandbox. A second call (the runner's close
   * after the page's) resolves when the first has ended them, not at once.
   */
  close(): Promise<void> {
    this.closing ??= this.end();
    return this.closing;
  }

  private async end(): Promise<void> {
    this.ending.abort();
    this.generation++;
    if (this.aheadTimer) clearTimeout(this.aheadTimer);
    const ahead = this.ahead;
    this.ahead = null;
    await ahead?.stop();
    await this.stopWire();
    // Stop the programs first: on the `host` backend nothing else would.
    await this.stopAll();
    await this.sandbox.close();
  }

  get isClosed(): boolean {
    return this.ending.signal.aborted;
  }

  /** Aborted once the session is closed (its Check stops: GradeOptions.signal). */
  get signal(): AbortSignal {
    return this.ending.signal;
  }

  /** What the page shows for every process. */
  list(): ProcInfo[] {
    return [...this.procs.values()].map((p) => this.info(p));
  }

  private addProc(spec: ProcessSpec, name: string): Proc {
    this.assertRoom();
    const proc: Proc = { id: this.freeId(), name, spec, state: 'starting', term: null, cols: 80, rows: 24 };
    this.procs.set(proc.id, proc);
    return proc;
  }

  /** Throws when one more running process would pass the limit (`except` is about to be replaced). */
  private assertRoom(except?: Proc): void {
    const running = [...this.procs.values()].filter((p) => p !== except && p.state !== 'exited').length;
    if (running >= this.limits.maxProcessesPerSession) {
      throw new SessionError('too_many_processes', `at most ${this.limits.maxProcessesPerSession} processes per session`);
    }
  }

  /** A process id (1-255, one byte in output frames), forgetting exited processes if all are taken. */
  private freeId(): number {
    for (let attempt = 0; attempt < 2; attempt++) {
      for (let i = 0; i < 255; i++) {
        const id = ((this.nextId - 1 + i) % 255) + 1;
        if (!this.procs.has(id)) {
          this.nextId = (id % 255) + 1;
          return id;
        }
      }
      for (const [id, p] of this.procs) if (p.state === 'exited') this.procs.delete(id);
    }
    throw new SessionError('too_many_processes', 'no process id is free');
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn, fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /**
   * Starts a process of the plan; `useAhead`: in the program started ahead
   * when there is one (program-ahead.ts).
   */
  private async start(proc: Proc, generation: number, useAhead = false): Promise<void> {
    const lang = LANGUAGES[this.lang];
    const argv = lang.command(lang.fileFor(proc.spec.role));
    // Made once per JDK on this machine; every later start finds it at once.
    if (this.lang === 'java') await prepareJavaArchive();
    this.assertOpen();
    proc.state = 'starting';
    proc.exit = undefined;
    this.events.proc(this.info(proc));
    const tail = new OutputTail();
    const sink: ProgramSink = {
      output: (data) => {
        tail.push(data);
        this.events.output(proc.id, data);
      },
      exit: (exit) => {
        if (proc.term !== term) return;
        proc.state = 'exited';
        proc.exit = exit;
        if (exit.reason === 'output_limit') {
          this.events.notice('output_limit', `${proc.name} printed more than ${this.limits.maxOutputBytes} bytes and was stopped`, proc.id);
        }
        const missing = exit.code !== 0 ? tail.missingLibrary() : null;
        if (missing) this.events.notice('missing_library', `${proc.name}: ${missing}`, proc.id);
        this.events.proc(this.info(proc));
      },
    };
    const term = (useAhead ? await this.takeAhead(argv, sink, proc) : null) ?? this.spawn(argv, proc.cols, proc.rows, sink);
    this.assertOpen();
    proc.term = term;
    proc.state = 'running';
    this.events.proc(this.info(proc));
    if (proc.spec.ready) await this.waitReady(proc, term, generation);
  }

  /** Starts a program on a terminal of its own. */
  private spawn(argv: string[], cols: number, rows: number, sink: ProgramSink): PtyProcess {
    const tag = newExitTag();
    return new PtyProcess(this.sandbox.spawnPlan(argv, tag), tag, {
      cols,
      rows,
      limits: this.limits,
      // A fork of the forker, not of the runner: the runner's event loop (every session's output) keeps going.
      viaForker: true,
      onOutput: (data) => sink.output(data),
      onExit: (exit) => sink.exit(exit),
    });
  }

  /** Starts the next Run's program ahead once this Run's programs had the CPU to start. */
  private startAheadLater(): void {
    if (this.isClosed || this.ahead?.usable || this.aheadTimer) return;
    this.aheadTimer = setTimeout(() => {
      this.aheadTimer = null;
      if (!this.isClosed && !this.ahead?.usable) this.ahead = ProgramAhead.start(this.sandbox, this.limits);
    }, AHEAD_AFTER_RUN_MS);
    this.aheadTimer.unref();
  }

  /** The program started ahead, now running `argv` for `proc`; null when there is none ready. */
  private async takeAhead(argv: string[], sink: ProgramSink, proc: Proc): Promise<PtyProcess | null> {
    const ahead = this.ahead;
    this.ahead = null;
    if (!ahead?.usable) {
      void ahead?.stop();
      return null;
    }
    return ahead.take(argv, sink, proc.cols, proc.rows);
  }

  private async waitReady(proc: Proc, term: PtyProcess, generation: number): Promise<void> {
    const { port, protocol } = proc.spec.ready!;
    const stop = () => proc.term !== term || proc.state === 'exited' || generation !== this.generation || this.isClosed;
    const result = await waitUntilBound(this.sandbox, port, protocol, { timeoutMs: this.limits.readyTimeoutMs, pollMs: READY_POLL_MS, stop });
    if (result === 'stopped' || stop()) return;
    if (result === 'bound') {
      proc.state = 'listening';
      this.events.proc(this.info(proc));
      return;
    }
    this.events.notice('not_ready', `${proc.name} did not ${protocol === 'tcp' ? 'listen on' : 'bind'} ${port}/${protocol} within ${Math.round(this.limits.readyTimeoutMs / 1000)} s; starting the rest anyway`, proc.id);
  }

  private async syncFiles(): Promise<void> {
    if (!this.filesDirty) return;
    try {
      await this.sandbox.writeFiles(withScaffold(this.lang, this.files));
    } catch (err) {
      // Whatever the programs did to the work dir, the student gets words, not an internal error.
      if (err instanceof SandboxError) throw new SessionError('bad_files', `your files could not be written to the sandbox: ${err.message}`);
      throw err;
    }
    this.filesDirty = false;
  }

  private async stopAll(): Promise<void> {
    await Promise.all([...this.procs.values()].map((p) => p.term?.stop()));
  }

  private get(id: number): Proc {
    this.assertOpen();
    const p = this.procs.get(id);
    if (!p) throw new SessionError('unknown_process', `no process ${id} in this session`);
    return p;
  }

  private assertOpen(): void {
    if (this.isClosed) throw new SessionError('session_ended', 'the session has ended');
  }

  private info(p: Proc): ProcInfo {
    return {
      id: p.id,
      name: p.name,
      role: p.spec.role,
      state: p.state,
      ...(p.state === 'listening' && p.spec.ready ? { listening: [{ port: p.spec.ready.port, protocol: p.spec.ready.protocol }] } : {}),
      ...(p.exit ? { exitCode: p.exit.code } : {}),
      ...(p.exit?.signal ? { signal: p.exit.signal } : {}),
    };
  }
}
