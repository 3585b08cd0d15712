/**
 * The runner pod's `controller.kubernetes.io/pod-deletion-cost`, kept at the
 * number of sessions it holds, so that when the autoscaler shrinks the
 * Deployment the ReplicaSet controller removes the emptiest pod first (it
 * deletes lower-cost pods first among pods that are otherwise alike) and
 * as few students as possible have their session end by a drain.
 *
 * The runner patches its own pod through the in-cluster API (a JSON merge
 * patch, with the pod's service account token and the cluster's CA), with
 * Node's own `https`: no Kubernetes client library for one request.
 *
 * Kubernetes' documentation warns against updating the annotation often
 * (every update is a write to the API server and etcd), so a patch is sent
 * only when the count differs from the one last written, at most once per
 * `minIntervalMs` (10 s), the latest count winning; a refused or failed
 * patch is said once and retried with a growing wait. Nothing here is on a
 * session's path: the count is read from the runner, the patch runs on its
 * own, and a failure only leaves the annotation behind.
 */
import { readFile } from 'node:fs/promises';
import type { ClientRequest } from 'node:http';
import { request } from 'node:https';
import { isIP } from 'node:net';
import { join } from 'node:path';

/** The annotation the ReplicaSet controller reads on scale-in (an int32, as a string). */
export const DELETION_COST_ANNOTATION = 'controller.kubernetes.io/pod-deletion-cost';

/** Where Kubernetes mounts a pod's service account token and the cluster's CA. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The pod to annotate, and the API server to ask. */
export interface PodRef {
  /** The API server's base URL, https only (`https://10.96.0.1:443`). */
  apiBase: string;
  namespace: string;
  name: string;
}

/**
 * What the environment says about where the runner runs:
 * - `pod`: in a pod that named itself (the downward API's POD_NAME and
 *   POD_NAMESPACE) with the in-cluster API's address;
 * - `absent`: not in a pod at all (nothing to say);
 * - `incomplete`: some of it is there (a pod without the downward API
 *   variables): the cost is not kept, and `why` says so once;
 * - `invalid`: a value that cannot be a pod name, namespace or address (a
 *   configuration error).
 */
export type PodFromEnv = { kind: 'pod'; pod: PodRef } | { kind: 'absent' } | { kind: 'incomplete'; why: string } | { kind: 'invalid'; why: string };

/** A DNS subdomain (RFC 1123), the shape of a pod's name. */
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A DNS label (RFC 1123), the shape of a namespace. */
const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Reads the pod's place from the environment the kubelet gives every
 * container (KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT) and the
 * downward API variables deploy/k8s/deployment.yaml sets (POD_NAME,
 * POD_NAMESPACE). Every value is checked: the name and namespace become a
 * URL path, the host and port its address.
 */
export function podFromEnv(env: NodeJS.ProcessEnv): PodFromEnv {
  const host = env.KUBERNETES_SERVICE_HOST?.trim() || undefined;
  const port = env.KUBERNETES_SERVICE_PORT?.trim() || undefined;
  const name = env.POD_NAME?.trim() || undefined;
  const namespace = env.POD_NAMESPACE?.trim() || undefined;
  if (!host && !name && !namespace) return { kind: 'absent' };
  if (!name || !namespace) return { kind: 'incomplete', why: 'POD_NAME and POD_NAMESPACE are not both set (deploy/k8s/deployment.yaml sets them from the downward API)' };
  if (!host) return { kind: 'incomplete', why: 'POD_NAME is set but KUBERNETES_SERVICE_HOST is not: this is not a Kubernetes pod' };
  if (!DNS_SUBDOMAIN.test(name)) return { kind: 'invalid', why: `POD_NAME ${JSON.stringify(name.slice(0, 80))} is not a pod name (a DNS subdomain: a-z, 0-9, '-', '.')` };
  if (!DNS_LABEL.test(namespace)) return { kind: 'invalid', why: `POD_NAMESPACE ${JSON.stringify(namespace.slice(0, 80))} is not a namespace name (a DNS label: a-z, 0-9, '-')` };
  if (isIP(host) === 0 && !DNS_SUBDOMAIN.test(host.toLowerCase())) return { kind: 'invalid', why: `KUBERNETES_SERVICE_HOST ${JSON.stringify(host.slice(0, 80))} is not an address or host name` };
  const portNumber = port === undefined ? NaN : /^\d{1,5}$/.test(port) ? Number(port) : NaN;
  if (!(portNumber >= 1 && portNumber <= 65535)) return { kind: 'invalid', why: `KUBERNETES_SERVICE_PORT ${JSON.stringify((port ?? '').slice(0, 80))} is not a port number` };
  return { kind: 'pod', pod: { apiBase: `https://${isIP(host) === 6 ? `[${host}]` : host}:${portNumber}`, namespace, name } };
}

/** How often and how patiently the cost is kept; the defaults suit a cluster, a test shortens them. */
export interface DeletionCostTiming {
  /** How often the count is read (a Map's size: free). */
  lookMs: number;
  /** The least time between two patches. */
  minIntervalMs: number;
  /** The longest wait before retrying a failed patch (the wait doubles from minIntervalMs). */
  maxBackoffMs: number;
  /** A patch not answered within this is abandoned and retried. */
  requestTimeoutMs: number;
}

export const DEFAULT_DELETION_COST_TIMING: DeletionCostTiming = {
  lookMs: 1000,
  minIntervalMs: 10_000,
  maxBackoffMs: 300_000,
  requestTimeoutMs: 10_000,
};

export interface DeletionCostOptions {
  pod: PodRef;
  /** The folder holding `token` and `ca.crt`: SERVICE_ACCOUNT_DIR in a pod. */
  secretDir: string;
  /** The cost now (the runner's open sessions); read on every look. */
  cost: () => number;
  /** Where problems and recoveries are said (once each). */
  log: (line: string) => void;
  timing?: Partial<DeletionCostTiming>;
}

/** Why a patch did not land: `kind` decides whether it was already said. */
interface Problem {
  kind: string;
  message: string;
}

const INT32_MAX = 2 ** 31 - 1;

/**
 * Keeps the pod's deletion cost at `cost()` until closed: the first look
 * writes the count (a restarted container may find its predecessor's
 * annotation), later looks write it when it changed, throttled and
 * retried as the file's comment says.
 */
export class PodDeletionCost {
  private readonly timing: DeletionCostTiming;
  private readonly url: URL;
  private readonly timer: NodeJS.Timeout;
  /** The value the API server last accepted; null before the first. */
  private written: number | null = null;
  private notBefore = 0;
  private failures = 0;
  private inFlight: ClientRequest | null = null;
  private busy = false;
  private said: string | null = null;
  private closed = false;

  constructor(private readonly opts: DeletionCostOptions) {
    this.timing = { ...DEFAULT_DELETION_COST_TIMING, ...opts.timing };
    const base = new URL(opts.pod.apiBase);
    // The token goes with every request: never over plain HTTP.
    if (base.protocol !== 'https:') throw new Error(`the Kubernetes API must be reached over https, not ${base.protocol}`);
    this.url = new URL(`/api/v1/namespaces/${encodeURIComponent(opts.pod.namespace)}/pods/${encodeURIComponent(opts.pod.name)}`, base);
    this.timer = setInterval(() => this.look(), this.timing.lookMs);
    // The runner's life is its server's and its sessions', never this timer's.
    this.timer.unref();
    queueMicrotask(() => this.look());
  }

  /** Stops keeping the cost; a patch on its way is abandoned. */
  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.inFlight?.destroy();
  }

  private look(): void {
    if (this.closed || this.busy || Date.now() < this.notBefore) return;
    const count = this.opts.cost();
    // The API server refuses anything but an int32 in the annotation.
    const cost = Number.isFinite(count) ? Math.max(0, Math.min(INT32_MAX, Math.floor(count))) : 0;
    if (cost === this.written) return;
    this.busy = true;
    // Whatever goes wrong becomes a problem said in the log: a rejection left unhandled would end the runner.
    const attempt = this.patch(cost).catch((err: unknown): Problem => ({ kind: 'internal', message: `the patch failed: ${(err as Error)?.message ?? err}` }));
    void attempt.then((problem) => {
      this.busy = false;
      this.inFlight = null;
      if (this.closed) return;
      if (problem === null) {
        this.written = cost;
        this.failures = 0;
        this.notBefore = Date.now() + this.timing.minIntervalMs;
        if (this.said !== null) this.opts.log(`socklab: pod-deletion-cost: patching pod ${this.podName} works again (cost ${cost})`);
        this.said = null;
        return;
      }
      this.failures++;
      const wait = Math.min(this.timing.maxBackoffMs, this.timing.minIntervalMs * 2 ** (this.failures - 1));
      this.notBefore = Date.now() + wait;
      // Said once per kind of failure: a retry every few minutes must not fill the log.
      if (problem.kind !== this.said) this.opts.log(`socklab: pod-deletion-cost: ${problem.message}; scale-in may remove a busy pod first. Retrying with backoff (up to ${Math.round(this.timing.maxBackoffMs / 1000)} s).`);
      this.said = problem.kind;
    });
  }

  private get podName(): string {
    return `${this.opts.pod.namespace}/${this.opts.pod.name}`;
  }

  /** One merge patch of the annotation; resolves with null when the API server took it. */
  private async patch(cost: number): Promise<Problem | null> {
    let token: string;
    let ca: Buffer;
    try {
      // Read each time: the kubelet rotates the projected token in place (about hourly), and a patch is rare.
      [token, ca] = await Promise.all([readFile(join(this.opts.secretDir, 'token'), 'utf8'), readFile(join(this.opts.secretDir, 'ca.crt'))]);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      return { kind: `secret:${code}`, message: `cannot read the service account's token and CA in ${this.opts.secretDir} (${code}); the pod needs automountServiceAccountToken: true (deploy/k8s/deployment.yaml)` };
    }
    token = token.trim();
    // A token is a JWT (base64url and dots); anything else would not even make a valid header.
    if (!/^[\x21-\x7e]+$/.test(token)) return { kind: 'secret:malformed', message: `the service account token in ${this.opts.secretDir} is empty or malformed` };
    if (this.closed) return { kind: 'closed', message: 'closed' };
    const body = JSON.stringify({ metadata: { annotations: { [DELETION_COST_ANNOTATION]: String(cost) } } });
    return new Promise<Problem | null>((resolve) => {
      const req = request(this.url, {
        method: 'PATCH',
        ca,
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/merge-patch+json',
          Accept: 'application/json',
          'Content-Length': Buffer.byteLength(body),
          'User-Agent': 'socklab-runner (pod-deletion-cost)',
        },
        timeout: this.timing.requestTimeoutMs,
      });
      this.inFlight = req;
      req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
      req.on('error', (err: NodeJS.ErrnoException) => resolve({ kind: `net:${err.code ?? 'error'}`, message: `cannot reach the Kubernetes API at ${this.url.origin} (${err.code ?? err.message})` }));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        let text = '';
        res.setEncoding('utf8');
        // Only the start of a refusal is kept: its Status message says why.
        res.on('data', (d: string) => (text = (text + d).slice(0, 4096)));
        res.on('error', () => resolve({ kind: `http:${status}`, message: `the Kubernetes API's answer to the patch broke off (HTTP ${status})` }));
        res.on('end', () => resolve(status >= 200 && status < 300 ? null : { kind: `http:${status}`, message: this.refusal(status, text) }));
      });
      req.end(body);
    });
  }

  /** A refused patch in words: what the API server said, and what usually fixes it. */
  private refusal(status: number, text: string): string {
    let said = '';
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      if (typeof parsed.message === 'string') said = `: ${parsed.message.slice(0, 300)}`;
    } catch {
      /* not a Status object: the status code says enough */
    }
    const hint: Record<number, string> = {
      401: 'the service account token was not accepted',
      403: `the service account may not patch pod ${this.podName} (RBAC: deploy/k8s/rbac.yaml grants get and patch on pods)`,
      404: `pod ${this.podName} does not exist (POD_NAME and POD_NAMESPACE come from the downward API)`,
    };
    return `the Kubernetes API refused the patch (HTTP ${status}${said})${hint[status] ? `: ${hint[status]}` : ''}`;
  }
}
