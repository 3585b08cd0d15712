/**
 * Attaches the runner's WebSocket endpoint (/ws) to Astro's dev server, so
 * `npm run dev` gives hot-reloading lessons and a live workbench on one
 * port, as `npm start` does for the built site. Importing the runner has no
 * side effects; only the dev server's setup hook starts one.
 */
import type { AstroIntegration } from 'astro';
import type { Server } from 'node:http';
import { Runner } from '../../runner/runner.ts';
import { attachWebSocket } from '../../runner/server/http.ts';

export function socklabRunner(): AstroIntegration {
  return {
    name: 'socklab-runner',
    hooks: {
      'astro:server:setup': ({ server, logger }) => {
        // Vite also runs in middleware mode, with no HTTP server of its own
        // (e.g. while `astro build` renders content): nothing to attach to.
        if (!server.httpServer) return;
        let runner: Runner;
        try {
          runner = new Runner({ sandboxAhead: true, browserAhead: true });
        } catch (err) {
          // A broken lab must not take the dev server down: the pages still
          // show the problem; the workbench waits for a restart.
          logger.error(`runner not started: ${(err as Error).message}`);
          return;
        }
        if (runner.backend.warning) logger.warn(runner.backend.warning);
        attachWebSocket(server.httpServer as Server, runner);
        server.httpServer.on('close', () => void runner.close());
        logger.info(`runner attached at /ws (sandbox: ${runner.backend.name})`);
      },
    },
  };
}
