/**
 * Solutions kept from students: three labs made as `socklab new` makes
 * them, one per policy (never, after-pass, always), each solution, mutant
 * and checks.ts marked with a unique text. The built site holds only the
 * `always` lab's solution (a control: the search can find one), never a
 * mutant or a checks.ts; the runner answers `solution` with
 * `solution_hidden` until the policy allows, and no message to the page
 * carries a hidden solution. On the lab pages, Show solution follows the
 * policy: absent under `never`; under `after-pass` greyed until a Check
 * passes, then the runner's solution comes in and the student's own code
 * goes back with "Put my code back".
 *
 * Reads the run's test course (test/support/shared-course.ts): its three
 * greeter labs, one per policy, and its built site.
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../protocol/messages.ts';
import { readLabFiles, loadLab } from '../../runner/labs/load.ts';
import { Runner } from '../../runner/runner.ts';
import { serve } from '../../runner/server/http.ts';
import { launchChromium } from '../support/browser.ts';
import { policyMark as mark, SOLUTION_POLICIES as POLICIES, testCourse, type TestCourse } from '../support/shared-course.ts';
import { button, check, fileText } from '../support/workbench-page.ts';
import { TestClient } from '../support/test-client.ts';

let course: TestCourse;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

beforeAll(async () => {
  course = await testCourse();
}, 480_000);

describe('a solution the course keeps from students', () => {
  it('is in no file of dist/, nor is any mutant or checks.ts; the self-study one is', () => {
    const files = walk(course.site);
    const all = files.map((f) => readFileSync(f).toString('latin1')).join('\n');
    // The control: the search below can find an embedded solution.
    expect(all).toContain(mark('always', 'SOLUTION'));
    expect(files.some((f) => f.endsWith('labs/greeter-never/index.html'))).toBe(true);
    for (const policy of POLICIES) {
      if (policy !== 'always') expect(all, policy).not.toContain(mark(policy, 'SOLUTION'));
      expect(all, policy).not.toContain(mark(policy, 'MUTANT'));
      expect(all, policy).not.toContain(mark(policy, 'CHECKS'));
    }
  });

  describe('over the runner', () => {
    let runner: Runner;
    let server: Server;
    let client: TestClient;

    beforeAll(async () => {
      runner = new Runner({ labsDir: course.labs, sandbox: 'bwrap' });
      server = await serve({ runner, port: 0, host: '127.0.0.1', siteDir: course.site });
    });

    afterAll(async () => {
      client?.ws.close();
      await new Promise((r) => server?.close(r));
      await runner?.close();
    });

    /** Opens a session of `lab` on a fresh socket. */
    async function open(lab: string): Promise<TestClient> {
      client?.ws.close();
      client = await TestClient.connect(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`);
      await client.waitFor((m) => m.type === 'hello');
      client.send({ type: 'open', lab, lang: 'python' });
      await client.waitFor((m) => m.type === 'opened', 15_000);
      return client;
    }

    async function ask(c: TestClient): Promise<ServerMessage> {
      const from = c.messages.length;
      c.send({ type: 'solution' });
      return c.waitFor((m) => m.type === 'solution' || m.type === 'error', 10_000, from);
    }

    async function checkWithSolution(c: TestClient, lab: string) {
      const from = c.messages.length;
      const files = [...readLabFiles(loadLab(join(course.labs, lab), course.labs), 'solution', 'python')].map(([name, content]) => ({ name, content }));
      c.send({ type: 'files', files });
      await c.waitFor((m) => m.type === 'files', 5000, from);
      c.send({ type: 'check' });
      return c.waitFor<Extract<ServerMessage, { type: 'checkDone' }>>((m) => m.type === 'checkDone', 60_000, from);
    }

    it('never: refused, even after a Check passed every check; no message carries it', async () => {
      const c = await open('greeter-never');
      expect(await ask(c)).toMatchObject({ type: 'error', code: 'solution_hidden' });
      const done = await checkWithSolution(c, course.policyLab('never'));
      expect(done.failed).toBe(0);
      expect(await ask(c)).toMatchObject({ type: 'error', code: 'solution_hidden' });
      expect(c.invalid).toEqual([]);
      expect(JSON.stringify(c.messages)).not.toContain(mark('never', 'SOLUTION'));
    }, 90_000);

    it('after-pass: refused until the last Check passed every check, then sent', async () => {
      const c = await open('greeter-after-pass');
      expect(await ask(c)).toMatchObject({ type: 'error', code: 'solution_hidden' });
      // A failing Check (the starter) does not open it.
      const from = c.messages.length;
      c.send({ type: 'check' });
      await c.waitFor((m) => m.type === 'checkDone', 60_000, from);
      expect(await ask(c)).toMatchObject({ type: 'error', code: 'solution_hidden' });
      expect(JSON.stringify(c.messages)).not.toContain(mark('after-pass', 'SOLUTION'));
      expect((await checkWithSolution(c, course.policyLab('after-pass'))).failed).toBe(0);
      const answer = await ask(c);
      expect(answer).toMatchObject({ type: 'solution', lang: 'python' });
      expect(JSON.stringify(answer)).toContain(mark('after-pass', 'SOLUTION'));
      expect(JSON.stringify(c.messages)).not.toContain(mark('after-pass', 'MUTANT'));
    }, 120_000);

    it('always: sent at once', async () => {
      const c = await open('greeter-always');
      const answer = await ask(c);
      expect(answer).toMatchObject({ type: 'solution', lang: 'python', files: [{ name: 'server.py' }] });
    }, 30_000);

    it('the page: no Show solution under never; under after-pass it opens after a passing Check and gives the student\'s code back', async () => {
      client?.ws.close();
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const t0 = Date.now();
      const browser = await launchChromium();
      try {
        const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
        const openLab = async (lab: string) => {
          await page.goto(`${base}/labs/${lab}/`);
          await page.locator('[data-socklab-workbench]').scrollIntoViewIfNeeded();
          await page.locator('.wb .wb-filebar').waitFor({ timeout: 30_000 });
        };
        await openLab('greeter-never');
        expect(await button(page, 'Reset to starter').isVisible()).toBe(true);
        expect(await button(page, 'Show solution').isHidden()).toBe(true);
        const tNever = Date.now();

        // The student's own passing code, told apart from the solution by its comment.
        const solution = readLabFiles(loadLab(join(course.labs, course.policyLab('after-pass')), course.labs), 'solution', 'python').get('server.py')!;
        const mine = `${solution.replace(`# ${mark('after-pass', 'SOLUTION')}\n`, '')}# mine\n`;
        await page.evaluate((text) => localStorage.setItem('socklab:greeter-after-pass:python:file:server.py', text), mine);
        await openLab('greeter-after-pass');
        await page.locator('.wb .monaco-editor .view-lines').waitFor({ timeout: 30_000 });
        await page.locator('.wb[data-link="connected"]').waitFor({ timeout: 15_000 });
        const show = button(page, 'Show solution');
        expect(await show.getAttribute('aria-disabled')).toBe('true');
        // aria-disabled: a student can still press it (Playwright would wait for it to be enabled), and is told why.
        await show.click({ force: true });
        await page.locator('.wb-msg', { hasText: 'opens once a Check passes every check' }).waitFor();
        expect(await check(page)).toBe('pass');
        expect(await show.getAttribute('aria-disabled')).toBe('false');
        await show.click();
        await page.locator('dialog.wb-dialog[open]').getByRole('button', { name: 'Show solution' }).click();
        await expect.poll(() => fileText(page, 'server.py')).toContain(mark('after-pass', 'SOLUTION'));
        await page.locator('.wb-msg').getByRole('button', { name: 'Put my code back' }).click();
        await expect.poll(() => fileText(page, 'server.py')).toBe(mine);
        console.log(`the page: browser and never ${tNever - t0} ms, after-pass ${Date.now() - tNever} ms`);
      } finally {
        await browser.close();
      }
    }, 90_000);
  });
});
