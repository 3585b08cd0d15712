/**
 * The lab workbench as the browser tests see it (workbench.test.ts,
 * chat-lab.test.ts): a Scene of browser contexts that leaves screenshots
 * when a test fails, the e2e() test wrapper, and the workbench's panes,
 * buttons, files and checklist.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { it } from 'vitest';
import { ROOT } from './browser.ts';

/** Where failing tests leave their screenshots. */
export const RESULTS = join(ROOT, 'test-results');

/** One test's browser contexts; screenshots of their pages when the test fails. */
export class Scene {
  readonly contexts: BrowserContext[] = [];
  readonly logs = new Map<Page, string[]>();

  constructor(
    readonly name: string,
    private readonly browser: Browser,
  ) {}

  async context(opts: BrowserContextOptions = {}): Promise<BrowserContext> {
    const context = await this.browser.newContext({ viewport: { width: 1400, height: 1000 }, ...opts });
    context.setDefaultTimeout(15_000);
    context.on('page', (page) => this.watch(page));
    this.contexts.push(context);
    return context;
  }

  async page(opts: BrowserContextOptions = {}): Promise<Page> {
    return (await this.context(opts)).newPage();
  }

  private watch(page: Page): void {
    const log: string[] = [];
    this.logs.set(page, log);
    page.on('console', (m) => log.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => log.push(`pageerror: ${String(e)}`));
  }

  /** Page errors (uncaught exceptions) seen so far. */
  pageErrors(page: Page): string[] {
    return (this.logs.get(page) ?? []).filter((l) => l.startsWith('pageerror:'));
  }

  /** Saves each open page as a screenshot, its console log and its panes' text, under test-results/. */
  async saveFailure(): Promise<void> {
    mkdirSync(RESULTS, { recursive: true });
    const slug = this.name.replace(/[^\w]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
    let n = 0;
    for (const context of this.contexts) {
      for (const page of context.pages()) {
        n++;
        const file = join(RESULTS, `${slug}-${n}`);
        await page.screenshot({ path: `${file}.png`, fullPage: true, timeout: 5000 }).catch(() => {});
        const texts = await page
          .evaluate(() => {
            const wb = document.querySelector('[data-socklab-workbench]') as (HTMLElement & { socklab?: { paneText(n: string): string } }) | null;
            return [...document.querySelectorAll<HTMLElement>('.wb-pane')].map((p) => `--- ${p.dataset.pane} (${p.dataset.state})\n${wb?.socklab?.paneText(p.dataset.pane!) ?? ''}`);
          })
          .catch(() => []);
        writeFileSync(`${file}.txt`, [`url: ${page.url()}`, ...(this.logs.get(page) ?? []), ...texts].join('\n') + '\n');
        console.error(`screenshot: ${file}.png`);
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.contexts.map((c) => c.close().catch(() => {})));
  }
}

/**
 * A test with its own deadline (shorter than vitest's, so a stuck step still
 * leaves screenshots), its own contexts, closed at the end. `browser` is
 * read when the test runs (the file's beforeAll launches it).
 */
export function e2eIn(browser: () => Browser) {
  return (name: string, timeoutMs: number, fn: (scene: Scene) => Promise<void>): void =>
    it(
      name,
      async () => {
        const scene = new Scene(name, browser());
        let timer: ReturnType<typeof setTimeout> | undefined;
        try {
          await Promise.race([
            fn(scene),
            new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`"${name}" took more than ${timeoutMs} ms`)), timeoutMs))),
          ]);
        } catch (err) {
          await scene.saveFailure();
          throw err;
        } finally {
          clearTimeout(timer);
          await scene.close();
        }
      },
      timeoutMs + 20_000,
    );
}

export type Mounted = HTMLElement & { socklab?: { paneText(name: string): string; fileText(name: string): string; dispose(): void } };

/** What a process's terminal shows, as text. */
export const paneText = (page: Page, name: string) =>
  page.evaluate((n) => (document.querySelector('[data-socklab-workbench]') as Mounted).socklab?.paneText(n) ?? '', name);
/** What the editor holds for a file. */
export const fileText = (page: Page, name: string) =>
  page.evaluate((n) => (document.querySelector('[data-socklab-workbench]') as Mounted).socklab?.fileText(n) ?? '', name);

/** Waits until a pane's terminal shows a line equal to `line` (trimmed). */
export async function paneShowsLine(page: Page, name: string, line: string, timeout = 10_000): Promise<void> {
  try {
    await page.waitForFunction(
      ([n, l]) => ((document.querySelector('[data-socklab-workbench]') as Mounted).socklab?.paneText(n) ?? '').split('\n').some((x) => x.trim() === l),
      [name, line] as const,
      { timeout },
    );
  } catch {
    throw new Error(`the "${name}" pane never showed the line "${line}"; it shows:\n${await paneText(page, name)}`);
  }
}

/** A process's pane. */
export const pane = (page: Page, name: string) => page.locator(`.wb-pane[data-pane="${name}"]`);
/** A toolbar or file-bar button, by its label (an icon may precede it). */
export const button = (page: Page, label: string) => page.locator('.wb-toolbar, .wb-filebar').getByRole('button', { name: new RegExp(`^.?${label}$`) });

/** Presses Check and waits for the verdict; returns it ("pass" or "fail"). */
export async function check(page: Page, timeoutMs = 60_000): Promise<string> {
  await button(page, 'Check').click();
  await page.locator('.wb-checklist[data-verdict]').waitFor({ timeout: timeoutMs });
  return (await page.locator('.wb-checklist').getAttribute('data-verdict'))!;
}

/** The checklist's rows: each check's name and status. */
export async function checkRows(page: Page): Promise<{ name: string; status: string }[]> {
  return page.locator('.wb-check').evaluateAll((lis) => lis.map((li) => ({ name: (li as HTMLElement).dataset.name!, status: (li as HTMLElement).dataset.status! })));
}

/** Types a line into a process's terminal. */
export async function typeInto(page: Page, name: string, text: string): Promise<void> {
  await pane(page, name).locator('.xterm').click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

