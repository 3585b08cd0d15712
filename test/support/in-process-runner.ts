/**
 * A runner and its HTTP/WebSocket server in the test's own process, on a
 * free loopback port: what most runner tests start before their first
 * client. (test/support/serve-child.ts starts one in a process of its own,
 * for tests that watch it from outside.)
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Runner, type RunnerOptions } from '../../runner/runner.ts';
import { serve, type ServeOptions } from '../../runner/server/http.ts';

export interface InProcessRunner {
  runner: Runner;
  server: Server;
  port: number;
  /** http://127.0.0.1:PORT */
  url: string;
  /** Stops taking connections, then ends every session and its processes. */
  close(): Promise<void>;
}

/** Starts a runner with `opts` behind `serve` on 127.0.0.1 (port 0: any free one); `serveOpts` adds to serve's options. */
export async function startRunner(opts: RunnerOptions = {}, serveOpts: Partial<Omit<ServeOptions, 'runner' | 'port' | 'host'>> = {}): Promise<InProcessRunner> {
  const runner = new Runner(opts);
  const server = await serve({ ...serveOpts, runner, port: 0, host: '127.0.0.1' });
  const port = (server.address() as AddressInfo).port;
  return {
    runner,
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await new Promise((r) => server.close(r));
      await runner.close();
    },
  };
}
