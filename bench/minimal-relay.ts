/**
 * The fair baseline of terminal throughput (bench/terminal.ts): the least a
 * relay can do. A WebSocket server in its own process that, on `run`,
 * starts the flood on a node-pty (no sandbox) and sends every `onData`
 * chunk straight to `ws.send` as an output frame: no batching, no flow
 * control, acknowledgements read and ignored. It speaks just enough of the
 * protocol (hello, proc, output frames) for bench's TestClient to read it
 * exactly as it reads the runner.
 *
 *   node bin/run-ts.js bench/minimal-relay.ts PORT NICE   prints "listening" when ready
 */
import { tmpdir } from 'node:os';
import * as pty from 'node-pty';
import { WebSocketServer } from 'ws';
import { PROTOCOL_VERSION } from '../protocol/constants.ts';
import { outputFrameHeader } from '../protocol/frames.ts';
import type { ServerMessage } from '../protocol/messages.ts';
import { BASE_ENV } from './processes.ts';

const [port, nice] = process.argv.slice(2).map(Number);
if (!port || nice === undefined || Number.isNaN(nice)) {
  console.error('usage: minimal-relay.ts PORT NICE');
  process.exit(2);
}

const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });
wss.on('connection', (ws) => {
  const send = (m: ServerMessage) => ws.send(JSON.stringify(m));
  send({ type: 'hello', protocol: PROTOCOL_VERSION, backend: 'host' });
  let term: pty.IPty | null = null;
  ws.on('message', (raw, isBinary) => {
    if (isBinary) return;
    const msg = JSON.parse(raw.toString()) as { type: string; program?: string };
    if (msg.type !== 'run' || term || typeof msg.program !== 'string') return;
    // The same niceness the sandbox gives a student's program, as for the raw-pty baseline.
    term = pty.spawn('nice', ['-n', String(nice), 'python3', '-c', msg.program, 'relay'], { name: 'xterm-256color', cols: 80, rows: 24, cwd: tmpdir(), env: BASE_ENV, encoding: null });
    const info = { id: 1, name: 'server', role: 'server' } as const;
    send({ type: 'proc', proc: { ...info, state: 'running' } });
    const header = outputFrameHeader(1);
    term.onData((d: string | Buffer) => {
      ws.send(header, { binary: true, fin: false });
      ws.send(d, { binary: true, fin: true });
    });
    term.onExit(({ exitCode }) => {
      send({ type: 'proc', proc: { ...info, state: 'exited', exitCode } });
      term = null;
    });
  });
  ws.on('close', () => term?.kill('SIGKILL'));
});
wss.on('listening', () => console.log('listening'));
