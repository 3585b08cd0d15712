/**
 * The libraries a student may import in the sandbox, offline: express and ws
 * from the project's own dependencies (bound read-only at /node_modules),
 * the Python web libraries from Debian; and the notice a student gets for
 * any other import. Real bubblewrap, real programs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../protocol/messages.ts';
import { missingLibraryNotice } from '../terminal/missing-module.ts';
import { TestClient } from '../../test/support/test-client.ts';
import { SandboxTracker } from '../../test/support/sandbox-helpers.ts';
import type { Sandbox } from './types.ts';
import { startRunner } from '../../test/support/in-process-runner.ts';

const tracker = new SandboxTracker();
afterEach(() => tracker.cleanup());

async function runIn(sandbox: Sandbox, name: string, content: string, argv: string[]) {
  await sandbox.writeFiles([{ name, content }]);
  return tracker.run(sandbox, argv, { timeoutMs: 20_000 });
}

describe('libraries in the sandbox', () => {
  it('imports express and ws from /work as if npm install had run, read-only', async () => {
    const sandbox = await tracker.open();
    const r = await runIn(sandbox, 'server.js', [
      "import express from 'express';",
      "import { WebSocketServer } from 'ws';",
      "import { writeFileSync } from 'node:fs';",
      'const app = express();',
      "console.log('express', typeof app.get, 'ws', typeof WebSocketServer);",
      "try { writeFileSync('/node_modules/ws/evil.js', 'x'); console.log('WRITABLE'); } catch (e) { console.log('read-only', e.code); }",
    ].join('\n'), ['node', 'server.js']);
    expect(r.output).toContain('express function ws function');
    expect(r.output).toMatch(/read-only (EROFS|EACCES)/);
    expect(r.exit.code).toBe(0);
  }, 60_000);

  it('imports aiohttp, fastapi, uvicorn and websockets with /usr/bin/python3', async () => {
    const sandbox = await tracker.open();
    const r = await runIn(sandbox, 'server.py', 'import aiohttp, fastapi, uvicorn, websockets\nprint("all", "imported")\n', ['/usr/bin/python3', 'server.py']);
    expect(r.output).toContain('all imported');
    expect(r.exit.code).toBe(0);
  }, 60_000);

  it('names the libraries there are when a program imports another', async () => {
    const sandbox = await tracker.open();
    const js = await runIn(sandbox, 'server.js', "import { Server } from 'socket.io';\n", ['node', 'server.js']);
    expect(js.exit.code).not.toBe(0);
    expect(missingLibraryNotice(js.output)).toBe('this playground has express and ws (and Node.js\'s own modules); socket.io is not installed, and nothing can be installed here');
    const py = await runIn(sandbox, 'server.py', 'import flask.app\n', ['/usr/bin/python3', 'server.py']);
    expect(missingLibraryNotice(py.output)).toContain('aiohttp, fastapi, uvicorn and websockets (and Python\'s standard library); flask is not installed');
    // A missing file of the student's own is not a missing library.
    const own = await runIn(sandbox, 'server.js', "import './nothere.js';\n", ['node', 'server.js']);
    expect(own.exit.code).not.toBe(0);
    expect(missingLibraryNotice(own.output)).toBeNull();
  }, 90_000);
});

describe('the missing-library notice in a session', () => {
  it('follows the exit of a server that imports socket.io', async () => {
    const served = await startRunner();
    const c = await TestClient.connect(served.url);
    try {
      await c.waitFor((m) => m.type === 'hello');
      c.send({ type: 'open', lab: 'websocket-chat', lang: 'javascript' });
      await c.waitFor((m) => m.type === 'opened', 15_000);
      c.send({ type: 'files', files: [{ name: 'server.js', content: "import { Server } from 'socket.io';\nnew Server(4000);\n" }] });
      await c.waitFor((m) => m.type === 'files', 5000);
      c.send({ type: 'run' });
      const notice = await c.waitFor<Extract<ServerMessage, { type: 'notice' }>>((m) => m.type === 'notice' && m.code === 'missing_library', 20_000);
      expect(notice.message).toBe("server: this playground has express and ws (and Node.js's own modules); socket.io is not installed, and nothing can be installed here");
    } finally {
      await c.close();
      await served.close();
    }
  }, 60_000);
});
