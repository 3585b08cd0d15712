/**
 * One WebSocket connection: at most one session. Validates every inbound
 * message, drives the session, and streams its output as binary frames.
 */
import type { WebSocket, RawData } from 'ws';
import { PROTOCOL_VERSION } from '../../protocol/constants.ts';
import { outputFrameHeader } from '../../protocol/frames.ts';
import { ClientMessage, type ErrorCode, type RequestType, type ServerMessage } from '../../protocol/messages.ts';
import { OpenError, type Runner } from '../runner.ts';
import { SessionError, type Session } from '../session.ts';
import { ChecksError, type GradeReport } from '../grader/engine.ts';
import { SolutionHidden, solutionFor } from '../solution-policy.ts';
import type { Locale } from '../../protocol/i18n/catalog.ts';

/** How often the socket inspector samples the namespace's sockets: at least 5 times a second while watched. */
const INSPECT_INTERVAL_MS = 120;
/** Sockets the inspector lists; beyond that it sends only how many more there are. */
export const INSPECT_MAX_SOCKETS = 200;
/** How often a connection whose send buffer was full is checked for room again. */
const DRAIN_POLL_MS = 20;

/** The `hello` fields that warn of a weaker sandbox: English words for old pages, a code (and bwrap's reason) for the page's own words. */
export function helloWarning(backend: Runner['backend']): Pick<Extract<ServerMessage, { type: 'hello' }>, 'warning' | 'warningCode' | 'warningDetail'> {
  if (!backend.warning) return {};
  return {
    warning: backend.warning,
    ...(backend.warningCode ? { warningCode: backend.warningCode } : {}),
    ...(backend.warningDetail ? { warningDetail: backend.warningDetail } : {}),
  };
}

/**
 * Serves one page's WebSocket. `preview` makes a preview URL of the
 * session's web server (runner/server/preview.ts); absent, there are none.
 */
export function handleConnection(ws: WebSocket, runner: Runner, client: string, preview?: (session: Session) => string | null): { readonly hasSession: boolean } {
  let session: Session | null = null;
  let opening = false;
  /** The student's language (from `open`): Check results are in it. */
  let locale: Locale = 'en';
  let checking = false;
  /** Aborted by the student's `checkStop`: the Check running now stops. */
  let checkStop: AbortController | null = null;
  /** The session's last Check, for the `after-pass` solution policy. */
  let lastCheck: GradeReport | undefined;
  let outputBlocked = false;
  let inspector: { stopped: boolean; timer?: NodeJS.Timeout } | null = null;
  const stopInspector = () => {
    if (inspector) {
      inspector.stopped = true;
      clearTimeout(inspector.timer);
    }
    inspector = null;
  };
  let idleTimer: NodeJS.Timeout | null = null;

  const send = (msg: ServerMessage) => {
    if (ws.readyState !== ws.OPEN) return;
    // A client that never reads would make the runner hold everything sent
    // to it; past the bound the connection ends (its session with it).
    if (ws.bufferedAmount > runner.limits.maxClientBacklogBytes) {
      ws.terminate();
      return;
    }
    ws.send(JSON.stringify(msg));
  };
  const error = (code: ErrorCode, message: string, request?: RequestType) => send({ type: 'error', code, message, ...(request ? { request } : {}) });

  // A message far over the limit (past ws's maxPayload) closes the
  // connection (1009) before the runner sees it; ws's receiver reports that
  // first, so the client learns why in words before the close frame.
  (ws as unknown as { _receiver?: { prependListener(event: 'error', fn: (err: { code?: string }) => void): void } })._receiver?.prependListener('error', (err) => {
    if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') error('message_too_large', `a message may be at most ${runner.limits.maxMessageBytes} bytes`);
  });

  const touch = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      send({ type: 'closed', reason: 'idle' });
      ws.close(1000, 'idle');
    }, runner.limits.sessionIdleMs);
    idleTimer.unref();
  };

  send({ type: 'hello', protocol: PROTOCOL_VERSION, backend: runner.backend.name, ...helloWarning(runner.backend) });
  touch();

  const handle = async (msg: ClientMessage): Promise<void> => {
    const answer = (code: ErrorCode, message: string) => error(code, message, msg.type);
    if (msg.type === 'open') {
      if (session || opening) return answer('session_exists', 'this connection already has a session');
      opening = true;
      locale = msg.locale ?? 'en';
      try {
        session = await runner.open(msg.lab, msg.lang, client, {
          output: (proc, data) => {
            if (ws.readyState !== ws.OPEN) return;
            ws.send(outputFrameHeader(proc), { binary: true, fin: false });
            ws.send(data, { binary: true, fin: true });
            // A client may acknowledge output yet not read its socket: then
            // the bytes queue here. Pause the programs until it drains.
            if (!outputBlocked && ws.bufferedAmount > runner.limits.flowHighWatermark) {
              outputBlocked = true;
              session?.setOutputBlocked(true);
              const poll = setInterval(() => {
                if (ws.readyState !== ws.OPEN || ws.bufferedAmount < runner.limits.flowLowWatermark) {
                  clearInterval(poll);
                  outputBlocked = false;
                  session?.setOutputBlocked(false);
                }
              }, DRAIN_POLL_MS);
              poll.unref();
            }
          },
          proc: (info) => send({ type: 'proc', proc: info }),
          notice: (code, message, proc) => send({ type: 'notice', code, message, ...(proc ? { proc } : {}) }),
          wire: (packets, dropped) => send({ type: 'wire', packets, dropped }),
        });
      } finally {
        opening = false;
      }
      if (ws.readyState !== ws.OPEN) {
        await session.close();
        return;
      }
      void session.sandbox.ended.then(() => {
        send({ type: 'closed', reason: 'session_ended' });
      });
      return send({ type: 'opened', session: session.id, lab: session.lab.meta.id, lang: session.lang });
    }
    if (!session) return answer('no_session', 'send "open" first');
    switch (msg.type) {
      case 'files':
        return send({ type: 'files', written: session.setFiles(msg.files) });
      case 'run':
        return session.run(msg.clients);
      case 'input':
        session.input(msg.proc, msg.data);
        // After every output frame read before the interrupt reached the program (the socket keeps the order).
        if (msg.data.includes('\x03')) send({ type: 'interrupted', proc: msg.proc });
        return;
      case 'resize':
        return session.resize(msg.proc, msg.cols, msg.rows);
      case 'ack':
        return session.ack(msg.proc, msg.bytes);
      case 'stop':
        return session.stop(msg.proc);
      case 'restart':
        return session.restart(msg.proc);
      case 'addClient':
        await session.addClient();
        return;
      case 'wire':
        return session.setWire(msg.on);
      case 'network':
        return send({ type: 'network', loss: await session.setNetwork(msg.loss) });
      case 'preview': {
        const url = preview?.(session) ?? null;
        return url ? send({ type: 'preview', url }) : answer('not_offered', 'this lab (or this runner) has no preview');
      }
      case 'close':
        await session.close();
        ws.close(1000, 'closed');
        return;
      case 'inspect': {
        stopInspector();
        if (!msg.on) return;
        const me: { stopped: boolean; timer?: NodeJS.Timeout } = { stopped: false };
        inspector = me;
        let last = '';
        // Only a changed view is sent, at most INSPECT_MAX_SOCKETS of it, and
        // a big table is sampled less often (the pause is three times what a
        // sample took): a program holding thousands of sockets costs the page
        // a count, not megabytes, and the runner a small share of its time.
        const sample = async (): Promise<void> => {
          if (me.stopped || !session || session.isClosed) return;
          const t0 = performance.now();
          const all = await session.sockets();
          if (me.stopped) return;
          const sockets = all.slice(0, INSPECT_MAX_SOCKETS);
          const more = all.length - sockets.length;
          const text = JSON.stringify(sockets) + more;
          if (text !== last) {
            last = text;
            send({ type: 'sockets', sockets, ...(more > 0 ? { more } : {}) });
          }
          me.timer = setTimeout(() => {
            sample().catch(() => me === inspector && stopInspector());
          }, Math.max(INSPECT_INTERVAL_MS, 3 * (performance.now() - t0)));
          me.timer.unref();
        };
        return sample();
      }
      case 'check': {
        if (checking) return answer('check_running', 'a Check is already running for this session');
        checking = true;
        const stop = (checkStop = new AbortController());
        // The Check goes on without its packets where they cannot be captured; the page hears why.
        const wire = msg.wire === true && runner.backend.capturesPackets === true;
        if (msg.wire && !wire) send({ type: 'notice', code: 'wire_unavailable', message: 'A Check’s packets need the sandbox: this runner has none, so your programs share the computer’s own loopback and their packets cannot be shown.' });
        try {
          const report = await runner.check(session, msg.only, {
            locale,
            wire,
            onQueued: () => send({ type: 'notice', code: 'check_queued', message: 'Many students are checking right now: your Check starts in a moment.' }),
            onPlan: (checks) => send({ type: 'checkStarted', checks: checks.map((c) => ({ id: c.id, name: c.name, role: c.role })) }),
            onResult: (result) => send({ type: 'checkResult', result }),
            signal: stop.signal,
          });
          lastCheck = report;
          send({ type: 'checkDone', passed: report.passed, failed: report.failed, skipped: report.skipped, durationMs: report.durationMs });
        } catch (err) {
          if (err instanceof ChecksError) return answer('no_grader', err.message);
          throw err;
        } finally {
          checking = false;
          checkStop = null;
        }
        return;
      }
      case 'checkStop':
        // None running (it has just ended): nothing to stop, nothing to say.
        checkStop?.abort();
        return;
      case 'solution':
        try {
          return send({ type: 'solution', lang: session.lang, files: await solutionFor(session.lab, session.lang, lastCheck) });
        } catch (err) {
          if (err instanceof SolutionHidden) return answer('solution_hidden', err.message);
          throw err;
        }
    }
  };

  ws.on('message', (raw: RawData, isBinary: boolean) => {
    touch();
    const size = Array.isArray(raw) ? raw.reduce((n, b) => n + b.length, 0) : raw.byteLength;
    if (size > runner.limits.maxMessageBytes) return error('message_too_large', `a message may be at most ${runner.limits.maxMessageBytes} bytes; this one has ${size}`);
    if (isBinary) return error('binary_not_expected', 'the runner expects JSON text messages');
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString());
    } catch {
      return error('bad_json', 'the message is not valid JSON');
    }
    const result = ClientMessage.safeParse(parsed);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      return error('bad_message', `${issue.path.join('.') || 'message'}: ${issue.message}`);
    }
    handle(result.data).catch((err: unknown) => {
      if (err instanceof SessionError || err instanceof OpenError) return error(err.code, err.message, result.data.type);
      console.error('socklab: unexpected error handling a message:', err);
      error('internal', 'the runner hit an unexpected error; the details are in its log', result.data.type);
    });
  });

  ws.on('close', () => {
    if (idleTimer) clearTimeout(idleTimer);
    stopInspector();
    void session?.close();
  });
  ws.on('error', () => {
    void session?.close();
  });
  // For the replica's drain (replica.ts): does this page still have a session?
  return {
    get hasSession() {
      return opening || (session !== null && !session.isClosed);
    },
  };
}
