/**
 * deploy/k8s on paper, checked: every manifest parses and validates against
 * the Kubernetes API schemas (kubernetes-models, and the KEDA models for the
 * ScaledObject), and the facts that tie the manifests to the runner hold:
 * the probes' paths are the runner's, the container's arguments are ones
 * `socklab serve` accepts (it is started with them), the grace period covers
 * the drain, the pod can run bubblewrap, the autoscaler's metric exists and
 * leaves headroom, every selector and port reference resolves, and the
 * runner's service account may patch its own pod's deletion cost and
 * nothing more.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Service } from 'kubernetes-models/v1/Service';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { ServiceAccount, type IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Role, type IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding, type IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ValidatingAdmissionPolicy, type IValidatingAdmissionPolicy } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy';
import { ValidatingAdmissionPolicyBinding, type IValidatingAdmissionPolicyBinding } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { Ingress, type IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { PodDisruptionBudget, type IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ScaledObject, type IScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import type { IService } from 'kubernetes-models/v1/Service';
import { HEALTH_PATH, READY_PATH } from '../runner/server/health.ts';
import { DEFAULT_LIMITS } from '../runner/limits.ts';
import { Runner } from '../runner/runner.ts';
import { Replica } from '../runner/server/replica.ts';
import { DELETION_COST_ANNOTATION, podFromEnv } from '../runner/server/pod-deletion-cost.ts';
import { freePort } from './support/test-client.ts';
import { sleep, tinySite } from './support/replicas.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const DIR = join(ROOT, 'deploy/k8s');

/** Each kind the manifests may hold, with its schema. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'v1/ServiceAccount': ServiceAccount,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy': ValidatingAdmissionPolicy,
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding': ValidatingAdmissionPolicyBinding,
  'apps/v1/Deployment': Deployment,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

interface Manifest {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  [key: string]: unknown;
}

function loadManifests(): Manifest[] {
  const out: Manifest[] = [];
  for (const file of readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(DIR, file), 'utf8'))) {
      if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]!.message}`);
      out.push({ ...(doc.toJS() as Manifest), file });
    }
  }
  return out;
}

/** "4h", "90s", "2m" as milliseconds. */
function duration(text: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

/** `--name=value` arguments as a map (a bare `--flag` maps to ''). */
function flags(args: string[]): Map<string, string> {
  return new Map(args.filter((a) => a.startsWith('--')).map((a) => [a.slice(2).split('=')[0]!, a.includes('=') ? a.slice(a.indexOf('=') + 1) : '']));
}

describe('deploy/k8s', () => {
  const all = loadManifests();
  const one = <T>(kind: string) => {
    const found = all.filter((m) => m.kind === kind);
    expect(found, `exactly one ${kind}`).toHaveLength(1);
    return found[0] as unknown as T & { file: string };
  };
  const deployment = one<IDeployment>('Deployment');
  const pod = deployment.spec!.template.spec!;
  const container = pod.containers[0]!;
  const args = flags(container.args ?? []);
  const site = tinySite();
  afterAll(() => rmSync(site, { recursive: true, force: true }));

  it('every manifest validates against its API schema', () => {
    expect(all.length).toBeGreaterThanOrEqual(12);
    for (const m of all) {
      const Model = MODELS[`${m.apiVersion}/${m.kind}`];
      if (!Model) throw new Error(`${m.file}: no schema known for ${m.apiVersion} ${m.kind}`);
      const { file, ...data } = m;
      try {
        new Model(data as never).validate();
      } catch (err) {
        throw new Error(`${file} (${m.kind} ${m.metadata.name}): ${(err as Error).message}`);
      }
    }
  });

  it('the pod can run bubblewrap: its own user namespace, an unmasked /proc, seccomp and AppArmor that allow unshare and mount', () => {
    expect(pod.hostUsers).toBe(false);
    expect(container.securityContext?.procMount).toBe('Unmasked');
    const seccomp = container.securityContext?.seccompProfile ?? pod.securityContext?.seccompProfile;
    expect(['Unconfined', 'Localhost']).toContain(seccomp?.type);
    const apparmor = container.securityContext?.appArmorProfile ?? pod.securityContext?.appArmorProfile;
    expect(['Unconfined', 'Localhost']).toContain(apparmor?.type);
    expect(pod.securityContext?.runAsNonRoot).toBe(true);
    expect(readFileSync(join(DIR, deployment.file), 'utf8')).toMatch(/Kubernetes >= 1\.33[\s\S]*Linux >= 6\.3/);
  });

  it('probes ask the runner\'s own paths on its port, and the grace period covers the drain', () => {
    const ports = new Map((container.ports ?? []).map((p) => [p.name, p.containerPort]));
    expect(ports.get('http')).toBe(Number(args.get('port')));
    expect(container.readinessProbe?.httpGet?.path).toBe(READY_PATH);
    expect(container.livenessProbe?.httpGet?.path).toBe(HEALTH_PATH);
    for (const probe of [container.readinessProbe, container.livenessProbe, container.startupProbe]) expect(ports.has(String(probe?.httpGet?.port))).toBe(true);
    const drain = Number(args.get('drain-seconds'));
    expect(drain).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(drain + 10);
  });

  it('socklab serve starts with the container\'s arguments, and its probes answer', async () => {
    const port = await freePort();
    const local = (container.args ?? []).filter((a) => !/^--(host|port)=/.test(a)).concat(`--host=127.0.0.1`, `--port=${port}`, `--site=${site}`);
    const child = spawn(process.execPath, ['bin/socklab.js', ...local], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    try {
      for (let i = 0; i < 400 && !log.includes('the course is at') && child.exitCode === null; i++) await sleep(50);
      expect(log).toContain('the course is at');
      for (const probe of [container.readinessProbe!, container.livenessProbe!, container.startupProbe!]) {
        expect((await fetch(`http://127.0.0.1:${port}${probe.httpGet!.path}`)).status).toBe(200);
      }
      child.kill('SIGTERM');
      expect(await new Promise((r) => child.once('exit', r))).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('the Service, Ingress and PodDisruptionBudget reach the runner pods, with cookie affinity and a tunnel longer than a lab', () => {
    const labels = deployment.spec!.template.metadata!.labels!;
    const selects = (selector: Record<string, string> | undefined) => Object.entries(selector ?? {}).length > 0 && Object.entries(selector!).every(([k, v]) => labels[k] === v);
    expect(selects(deployment.spec!.selector.matchLabels)).toBe(true);
    const service = one<IService>('Service');
    expect(selects(service.spec!.selector)).toBe(true);
    const portNames = new Set((container.ports ?? []).map((p) => p.name));
    for (const p of service.spec!.ports!) expect(portNames.has(String(p.targetPort))).toBe(true);
    expect(service.metadata!.annotations!['haproxy.org/cookie-persistence']).toMatch(/^\w+$/);
    expect(service.metadata!.annotations!['haproxy.org/load-balance']).toBe('leastconn');
    expect(service.metadata!.annotations!['haproxy.org/check-http']).toBe(READY_PATH);

    const ingress = one<IIngress>('Ingress');
    expect(ingress.spec!.ingressClassName).toBe('haproxy');
    const backends = ingress.spec!.rules!.flatMap((r) => r.http!.paths.map((p) => p.backend.service!));
    for (const b of backends) {
      expect(b.name).toBe(service.metadata!.name);
      expect(service.spec!.ports!.some((p) => p.name === b.port!.name)).toBe(true);
    }
    // The runner refuses Host names it was not told about (DNS rebinding).
    for (const r of ingress.spec!.rules!) expect(args.get('public-host')).toBe(r.host);

    const tunnel = (all.find((m) => m.kind === 'ConfigMap') as unknown as { data: Record<string, string> }).data['timeout-tunnel']!;
    expect(duration(tunnel)).toBeGreaterThan(DEFAULT_LIMITS.sessionMaxMs);
    const cfgTunnel = /^\s*timeout tunnel (\S+)/m.exec(readFileSync(join(ROOT, 'deploy/haproxy.cfg'), 'utf8'))![1]!;
    expect(duration(cfgTunnel)).toBeGreaterThan(DEFAULT_LIMITS.sessionMaxMs);

    const pdb = one<IPodDisruptionBudget>('PodDisruptionBudget');
    expect(selects(pdb.spec!.selector!.matchLabels)).toBe(true);
  });

  it('the image (deploy/Containerfile) runs the README\'s commands on the packages CI installs, and the pod starts socklab serve', () => {
    const containerfile = readFileSync(join(ROOT, 'deploy/Containerfile'), 'utf8');
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const runs = [...containerfile.matchAll(/^RUN ((?:.*\\\n)*.*)$/gm)].map((m) => m[1]!.replace(/\\\n/g, ' '));
    for (const command of ['npm install', 'npm run build']) {
      expect(readme).toContain(command);
      expect(runs.some((r) => r.includes(command))).toBe(true);
    }
    // What CI installs is what the runner needs (Chromium too: the grader opens students' web pages in it), less what only the tests use (a proxy, the fonts screenshots draw Hangul with).
    const testOnly = new Set(['haproxy', 'fonts-noto-cjk']);
    const ci = /apt-get install -y -qq \\\n\s*(.*?) >/.exec(readFileSync(join(ROOT, '.ci/run'), 'utf8'))![1]!.split(/\s+/);
    const image = runs.find((r) => r.includes('apt-get install'))!.split(/\s+/);
    for (const pkg of ci.filter((p) => !testOnly.has(p))) expect(image, `the image installs ${pkg}`).toContain(pkg);
    expect(/^ENTRYPOINT \[.*"bin\/socklab\.js"\]$/m.test(containerfile)).toBe(true);
    expect(container.args?.[0]).toBe('serve');
  });

  it("the runner's service account may get and patch pods in its namespace, an admission policy holds its updates to the deletion cost, and the pod has its token and knows its own name", () => {
    const namespace = deployment.metadata!.namespace!;
    const account = one<IServiceAccount>('ServiceAccount');
    const role = one<IRole>('Role');
    const binding = one<IRoleBinding>('RoleBinding');
    // Schema validation lets a misspelt optional field pass (`resource:` for `resources:`): the fields that matter are read here.
    expect(pod.serviceAccountName).toBe(account.metadata!.name);
    expect(pod.automountServiceAccountToken).toBe(true);
    for (const m of [account, role, binding]) expect(m.metadata!.namespace).toBe(namespace);
    expect(all.filter((m) => /^Cluster/.test(m.kind))).toEqual([]);
    expect(role.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'patch'] }]);
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.metadata!.name });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: account.metadata!.name, namespace }]);
    // Past RBAC, an admission policy holds that account's pod updates to the one annotation, in this namespace.
    const policy = one<IValidatingAdmissionPolicy>('ValidatingAdmissionPolicy');
    const policyBinding = one<IValidatingAdmissionPolicyBinding>('ValidatingAdmissionPolicyBinding');
    expect(policyBinding.spec!.policyName).toBe(policy.metadata!.name);
    expect(policyBinding.spec!.validationActions).toEqual(['Deny']);
    expect(policyBinding.spec!.matchResources!.namespaceSelector!.matchLabels).toEqual({ 'kubernetes.io/metadata.name': namespace });
    expect(policy.spec!.failurePolicy).toBe('Fail');
    expect(policy.spec!.matchConstraints!.resourceRules).toEqual([{ apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['pods'] }]);
    expect(policy.spec!.matchConditions!.map((c) => c.expression)).toEqual([`request.userInfo.username == 'system:serviceaccount:${namespace}:${account.metadata!.name}'`]);
    const checks = policy.spec!.validations!.map((v) => v.expression).join('\n');
    expect(checks).toContain('object.spec == oldObject.spec');
    expect(checks).toContain(`k == '${DELETION_COST_ANNOTATION}'`);
    // The runner finds its pod from the variables the Deployment sets (as the kubelet would fill them in).
    const fields: Record<string, string> = { 'metadata.name': 'socklab-runner-5d8f7-x2k4q', 'metadata.namespace': namespace };
    const env: NodeJS.ProcessEnv = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
    for (const e of container.env ?? []) env[e.name] = e.value ?? fields[e.valueFrom?.fieldRef?.fieldPath ?? ''];
    expect(podFromEnv(env)).toEqual({ kind: 'pod', pod: { apiBase: 'https://10.96.0.1:443', namespace, name: 'socklab-runner-5d8f7-x2k4q' } });
    // Anywhere else it stays quiet, says what is missing, or refuses a value that cannot name a pod.
    expect(podFromEnv({})).toEqual({ kind: 'absent' });
    expect(podFromEnv({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' })).toMatchObject({ kind: 'incomplete', why: expect.stringMatching(/POD_NAME/) });
    expect(podFromEnv({ POD_NAME: 'p', POD_NAMESPACE: 'n' })).toMatchObject({ kind: 'incomplete', why: expect.stringMatching(/KUBERNETES_SERVICE_HOST/) });
    expect(podFromEnv({ ...env, KUBERNETES_SERVICE_HOST: 'fd00::1' })).toMatchObject({ kind: 'pod', pod: { apiBase: 'https://[fd00::1]:443' } });
    expect(podFromEnv({ ...env, POD_NAME: '../../secrets/x' })).toMatchObject({ kind: 'invalid', why: expect.stringMatching(/POD_NAME/) });
    expect(podFromEnv({ ...env, POD_NAMESPACE: 'a.b' })).toMatchObject({ kind: 'invalid', why: expect.stringMatching(/POD_NAMESPACE/) });
    expect(podFromEnv({ ...env, KUBERNETES_SERVICE_PORT: '99999' })).toMatchObject({ kind: 'invalid', why: expect.stringMatching(/KUBERNETES_SERVICE_PORT/) });
    expect(podFromEnv({ ...env, KUBERNETES_SERVICE_HOST: 'evil/x' })).toMatchObject({ kind: 'invalid' });
  });

  it('the autoscaler scales this Deployment on a metric the runner exports, with headroom below capacity', async () => {
    const scaled = one<IScaledObject>('ScaledObject');
    expect(scaled.spec.scaleTargetRef.name).toBe(deployment.metadata!.name);
    const trigger = scaled.spec.triggers[0]!;
    expect(trigger.type).toBe('prometheus');
    const runner = new Runner();
    new Replica(runner);
    const exported = (await runner.metrics.registry.getMetricsAsJSON()).map((m) => m.name);
    const used = /\b(socklab_[a-z_]+)/.exec(trigger.metadata.query!)![1]!;
    expect(exported).toContain(used);
    const capacity = Number(args.get('capacity'));
    const target = Number(trigger.metadata.threshold);
    expect(target).toBeGreaterThan(0);
    expect(target).toBeLessThanOrEqual(capacity * 0.7);
    expect(scaled.spec.minReplicaCount).toBeGreaterThanOrEqual(2);
    await runner.close();
  });
});
