/**
 * A stand-in for the Kubernetes API server, for the runner's pod patches
 * (runner/server/pod-deletion-cost.ts): HTTPS on loopback with a
 * self-signed certificate (kube-api/stand-in.crt, valid to 2126, for
 * 127.0.0.1 only), a service account folder holding a token and that
 * certificate as the cluster's CA, every request recorded, and answers the
 * test chooses (a status, or held until released). The API server is an
 * outside party, so a stand-in is what the tests have; it is no cluster.
 *
 * Not part of the runner: nothing in runner/ imports it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const HERE = new URL('./kube-api/', import.meta.url).pathname;

/** One request as the stand-in received it. */
export interface ApiRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** When its body had arrived (Date.now()). */
  at: number;
  /** The status it was answered with (set once answered). */
  status?: number;
}

export class KubeApiStandIn {
  readonly requests: ApiRequest[] = [];
  /** The status the next answers carry: 200 with the patched pod, or a refusal with a Status object. */
  status = 200;
  /** While true, requests wait for `release()`. */
  holding = false;
  /** The service account folder (`token`, `ca.crt`) the runner is pointed at. */
  readonly secretDir = mkdtempSync(join(tmpdir(), 'socklab-sa-'));
  private readonly waiting: (() => void)[] = [];
  private taken = 0;
  private wake: () => void = () => {};

  private constructor(private readonly server: Server) {}

  /** Starts the stand-in on a free loopback port, with `token` in its service account folder. */
  static async start(token: string): Promise<KubeApiStandIn> {
    const cert = readFileSync(join(HERE, 'stand-in.crt'));
    const server = createServer({ cert, key: readFileSync(join(HERE, 'stand-in.key')) });
    const api = new KubeApiStandIn(server);
    writeFileSync(join(api.secretDir, 'ca.crt'), cert);
    api.setToken(token);
    server.on('request', (req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        const seen: ApiRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, at: Date.now() };
        api.requests.push(seen);
        api.wake();
        const answer = () => api.answer(seen, res);
        if (api.holding) api.waiting.push(answer);
        else answer();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return api;
  }

  /** The API's base URL, as the runner is given it. */
  get base(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Writes the token in place, as the kubelet rotates it. */
  setToken(token: string): void {
    writeFileSync(join(this.secretDir, 'token'), token);
  }

  /** Answers every held request and stops holding. */
  release(): void {
    this.holding = false;
    for (const answer of this.waiting.splice(0)) answer();
  }

  /** The next request not yet taken by `next`, waiting up to `ms` for it. */
  async next(ms = 5000): Promise<ApiRequest> {
    const deadline = Date.now() + ms;
    while (this.requests.length <= this.taken) {
      if (Date.now() >= deadline) throw new Error(`no request reached the API stand-in within ${ms} ms (${this.requests.length} so far)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.requests[this.taken++]!;
  }

  async close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.secretDir, { recursive: true, force: true });
  }

  private answer(req: ApiRequest, res: ServerResponse): void {
    const status = this.status;
    req.status = status;
    const json = { 'Content-Type': 'application/json' };
    if (status >= 200 && status < 300) {
      const [, namespace, name] = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/?]+)/.exec(req.path) ?? [];
      res.writeHead(status, json).end(JSON.stringify({ kind: 'Pod', apiVersion: 'v1', metadata: { name, namespace, ...(JSON.parse(req.body || '{}') as { metadata?: object }).metadata } }));
      return;
    }
    // The shape and words of a real RBAC refusal.
    const message = status === 403 ? `pods "x" is forbidden: User "system:serviceaccount:socklab:socklab-runner" cannot patch resource "pods" in API group "" in the namespace "socklab"` : `refused (${status})`;
    res.writeHead(status, json).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: status === 403 ? 'Forbidden' : 'Unknown', code: status }));
  }
}
