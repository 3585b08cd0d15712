/**
 * The page's Check speaks the student's language: a session opened with
 * `locale: 'ko'` gets its check names, failures and hints in Korean, the
 * bytes the grader saw as they were; one opened without it, in English.
 * Real runner, real WebSocket, real sandbox.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage, StudentFile } from '../../protocol/messages.ts';
import { startRunner, type InProcessRunner } from '../../test/support/in-process-runner.ts';
import { TestClient } from '../../test/support/test-client.ts';

const MUTANT = new URL('../../labs/02-tcp-echo/mutants/upper-case/python', import.meta.url).pathname;
const files = (): StudentFile[] => readdirSync(MUTANT).map((name) => ({ name, content: readFileSync(join(MUTANT, name), 'utf8') }));

describe("the page's Check in the student's language", () => {
  let served: InProcessRunner;
  let url: string;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    served = await startRunner();
    url = served.url;
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await served?.close();
  });

  /** Opens tcp-echo in `locale`, sends the upper-case mutant and checks its server; returns the plan and the results. */
  async function check(locale: 'en' | 'ko' | undefined) {
    const c = await TestClient.connect(url);
    clients.push(c);
    await c.waitFor((m) => m.type === 'hello');
    c.send({ type: 'open', lab: 'tcp-echo', lang: 'python', ...(locale ? { locale } : {}) });
    await c.waitFor((m) => m.type === 'opened', 15_000);
    let from = c.messages.length;
    c.send({ type: 'files', files: files() });
    await c.waitFor((m) => m.type === 'files', 5000, from);
    from = c.messages.length;
    c.send({ type: 'check', only: 'server' });
    const started = await c.waitFor<Extract<ServerMessage, { type: 'checkStarted' }>>((m) => m.type === 'checkStarted', 30_000, from);
    await c.waitFor((m) => m.type === 'checkDone', 120_000, from);
    const results = c.messages.slice(from).flatMap((m) => (m.type === 'checkResult' ? [m.result] : []));
    return { plan: started.checks, result: (id: string) => results.find((r) => r.id === id)! };
  }

  it('opened in Korean, names, failures and hints are Korean, the bytes as they were', async () => {
    const { plan, result } = await check('ko');
    expect(plan.find((p) => p.id === 'upper-case')?.name).toBe('그 줄을 대문자로 답함');
    const failed = result('upper-case');
    expect(failed).toMatchObject({ status: 'failed', name: '그 줄을 대문자로 답함', expected: '"HELLO, WORLD 42\\n"', received: '"hello, world 42\\n"' });
    expect(failed.message).toBe('tcp#1: 응답이 기대한 것과 다릅니다 (바이트 0: 기대한 값 "H", 실제 값 "h")');
    expect(failed.hint).toMatch(/^응답은 기대한 바이트와 정확히 같아야 합니다/);
    expect(failed.transcript.map((e) => e.text)).toContain('"hello, world 42\\n" 보냄');
    expect(result('utf8').message).toBe('건너뜀: ‘그 줄을 대문자로 답함’ 검사 항목이 먼저 통과해야 합니다');
  }, 180_000);

  it('opened without a locale, everything is English', async () => {
    const { plan, result } = await check(undefined);
    expect(plan.find((p) => p.id === 'upper-case')?.name).toBe('replies with the line in upper case');
    expect(result('upper-case').message).toBe('tcp#1: the reply is not what was expected (at byte 0: "H" expected, "h" received)');
  }, 180_000);
});
