/**
 * The course in Korean, built and in a real browser (Debian's chromium):
 *   a. the build has /ko/ and /ko/labs/<id>/ for every lab: the Korean
 *      lesson (lang="ko", Korean title and text) with the facts of lab.mdx
 *      (the port, the run plan in the workbench's data);
 *   b. the header's language switch keeps the student on the same lab;
 *   c. Korean pages draw with the Korean font stack;
 *   d. the search on a Korean page finds a Korean word (Pagefind's index
 *      in dist/pagefind, through Starlight's search dialog);
 *   e. progress saved on an English page shows on the Korean home (one per lab);
 *   f. the Korean home tells the student to run `npm start` only when no
 *      runner answers: shown on a plain static server, hidden under
 *      `socklab serve`.
 *
 * Reads a private copy of dist/ (see snapshotSite in browser.ts), built
 * first when missing.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLabs } from '../../runner/labs/load.ts';
import { launchChromium, sleep, snapshotSite, startServe, staticServer } from '../support/browser.ts';

const LABS = loadLabs();
const HANGUL = /[\uac00-\ud7a3]/;

let SITE = '';
let server: { url: string; close(): Promise<void> };
let browser: Browser;

beforeAll(async () => {
  SITE = await snapshotSite(['index.html', 'ko/index.html', 'ko/labs/udp-echo/index.html', 'pagefind/pagefind.js']);
  server = await staticServer(SITE);
  browser = await launchChromium();
}, 200_000);

afterAll(async () => {
  await browser?.close().catch(() => {});
  await server?.close();
  if (SITE) rmSync(SITE, { recursive: true, force: true });
}, 30_000);

/** A fresh page at `path` of `base`; its context closes when `use` returns. */
async function withPage<T>(base: string, path: string, use: (page: Page) => Promise<T>): Promise<T> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    await page.goto(base + path);
    return await use(page);
  } finally {
    await context.close();
  }
}

const html = (path: string) => readFileSync(join(SITE, path), 'utf8');

describe('the Korean build', () => {
  it('has a Korean home listing every lab in Korean, linking to the Korean lessons', () => {
    const home = html('ko/index.html');
    expect(home).toMatch(/<html lang="ko"/);
    for (const lab of LABS) {
      expect(home).toContain(`href="/ko/labs/${lab.meta.id}/"`);
      expect(home).toContain(lab.translations.ko!.title);
    }
  });

  for (const lab of LABS) {
    it(`has /ko/labs/${lab.meta.id}/: the Korean lesson with lab.mdx's facts`, () => {
      const page = html(`ko/labs/${lab.meta.id}/index.html`);
      expect(page).toMatch(/<html lang="ko"/);
      expect(page).toContain(`<title>${lab.translations.ko!.title} | socklab</title>`);
      expect(page.replace(/<[^>]+>/g, '').match(new RegExp(HANGUL, 'g'))!.length).toBeGreaterThan(500);
      // Translated, so no "not translated yet" notice.
      expect(page).not.toContain('이 콘텐츠는 아직 번역되지 않았습니다');
      for (const port of lab.meta.ports) expect(page).toContain(`${port.port}/${port.protocol}`);
      if (lab.meta.processes.length) {
        const data = JSON.parse(/<script type="application\/json" data-wb-data>(.*?)<\/script>/s.exec(page)![1]!);
        expect(data).toMatchObject({ id: lab.meta.id, title: lab.translations.ko!.title, ports: lab.meta.ports });
        expect(data.processes.map((p: { role: string }) => p.role)).toEqual(lab.meta.processes.map((p) => p.role));
      }
    });
  }

  it("words the code blocks' copy button and the terminal frames in the page's language", () => {
    const pages = (readdirSync(SITE, { recursive: true }) as string[]).filter((f) => f.endsWith('.html') && !f.startsWith('pagefind'));
    const korean = pages.filter((f) => f.startsWith('ko/'));
    expect(korean.length).toBeGreaterThan(LABS.length);
    for (const page of korean) for (const english of ['Copy to clipboard', 'Terminal window']) expect(html(page), page).not.toContain(english);
    expect(html('ko/labs/tcp-echo/index.html')).toContain('title="클립보드에 복사"');
    expect(html('ko/write-a-lab/index.html')).toContain('터미널 창');
    for (const page of pages.filter((f) => !f.startsWith('ko/'))) expect(html(page), page).not.toContain('클립보드에 복사');
  });

  it('describes a Korean lesson\'s sequence diagrams in Korean', () => {
    const page = html('ko/labs/udp-echo/index.html');
    expect(page).toContain('aria-label="시퀀스 다이어그램: ');
    expect(page).not.toContain('aria-label="Sequence diagram: ');
  });
});

describe('Korean pages in the browser', () => {
  it('the language switch keeps the student on the same lab, both ways', async () => {
    await withPage(server.url, '/ko/labs/udp-echo/', async (page) => {
      const at = (path: string) => (url: URL) => url.pathname === path;
      const select = () => page.locator('starlight-lang-select select:visible');
      await select().selectOption({ label: 'English' });
      await page.waitForURL(at('/labs/udp-echo/'), { timeout: 10_000 });
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      await select().selectOption({ label: '한국어' });
      await page.waitForURL(at('/ko/labs/udp-echo/'), { timeout: 10_000 });
      expect(await page.locator('h1').first().textContent()).toContain(LABS.find((l) => l.meta.id === 'udp-echo')!.translations.ko!.title);
    });
  });

  it('draws Korean pages with the Korean font stack, English pages without it', async () => {
    const font = (path: string) => withPage(server.url, path, (page) => page.evaluate(() => getComputedStyle(document.body).fontFamily));
    expect(await font('/ko/labs/udp-echo/')).toMatch(/^"Noto Sans KR", "Noto Sans CJK KR", "Apple SD Gothic Neo", "Malgun Gothic"/);
    expect(await font('/labs/udp-echo/')).not.toContain('Noto Sans KR');
    // A diagram's notes: upright in Korean (Hangul has no italic, a browser slants it), italic in English.
    const note = (path: string) => withPage(server.url, path, (page) => page.locator('.seq-note').first().evaluate((n) => getComputedStyle(n).fontStyle));
    expect(await note('/ko/labs/udp-echo/')).toBe('normal');
    expect(await note('/labs/udp-echo/')).toBe('italic');
  });

  it('the search on a Korean page finds a Korean word in the Korean lesson', async () => {
    await withPage(server.url, '/ko/', async (page) => {
      const input = page.locator('#starlight__search input');
      // The search button works once Starlight's script has defined <site-search>: on a loaded machine, after a while.
      await page.waitForFunction(() => customElements.get('site-search') !== undefined, null, { timeout: 30_000 });
      await expect
        .poll(async () => {
          if (!(await input.isVisible())) await page.locator('site-search button[data-open-modal]').click();
          return input.isVisible();
        }, { timeout: 30_000, interval: 1000 })
        .toBe(true);
      await input.fill('데이터그램');
      const first = page.locator('.pagefind-ui__result-link').first();
      await first.waitFor({ timeout: 15_000 });
      const hrefs = await page.locator('.pagefind-ui__result-link').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
      expect(hrefs).toContain('/ko/labs/udp-echo/');
      // Only Korean pages: the index is per language.
      expect(hrefs.every((h) => h?.startsWith('/ko/'))).toBe(true);
      // The search's own words are Korean too (Starlight filled them with English over Pagefind's Korean).
      await expect(page.locator('.pagefind-ui__form').getAttribute('aria-label')).resolves.toBe('사이트 검색');
      await expect(page.locator('.pagefind-ui__message').textContent()).resolves.toMatch(/^데이터그램에 대한 결과 \d+건$/);
      await expect(page.locator('.pagefind-ui__search-clear').textContent()).resolves.toBe('비우기');
    });
  }, 90_000);

  it('progress is one per lab, whatever the language: the Korean home shows what the English pages saved', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${server.url}/labs/udp-echo/`);
      // What the workbench saves when every check passed (workbench/progress.ts).
      await page.evaluate(() => localStorage.setItem('socklab:udp-echo:done', String(Date.now())));
      await page.goto(`${server.url}/ko/`);
      const badge = page.locator('li[data-lab="udp-echo"] [data-progress]');
      await badge.waitFor({ state: 'visible', timeout: 10_000 });
      expect(await badge.textContent()).toBe('✓ 완료');
      expect(await page.locator('li[data-lab="tcp-echo"] [data-progress]').isHidden()).toBe(true);
    } finally {
      await context.close();
    }
  });

  it('the Korean home says to run npm start when no runner answers, in Korean', async () => {
    await withPage(server.url, '/ko/', async (page) => {
      const sentence = page.locator('[data-no-runner]');
      await sentence.waitFor({ state: 'visible', timeout: 10_000 });
      expect(await sentence.getAttribute('data-runner')).toBe('none');
      const text = (await sentence.textContent())!;
      expect(text).toContain('npm start');
      expect(text).toMatch(HANGUL);
    });
  });

  it('the home says nothing about npm start under a running course', async () => {
    const served = await startServe(SITE);
    try {
      // Both homes at once: the 3 s grace of each is spent waiting, side by side.
      await Promise.all(
        ['/', '/ko/'].map((path) =>
          withPage(served.url, path, async (page) => {
            await page.locator('[data-no-runner][data-runner="answering"]').waitFor({ state: 'attached', timeout: 10_000 });
            // Still hidden once the 3 s the home gives a runner to say hello are over.
            await sleep(3500);
            expect(await page.locator('[data-no-runner]').isHidden(), path).toBe(true);
            expect(await page.locator('ol.labs li').count(), path).toBe(LABS.length);
          }),
        ),
      );
    } finally {
      const left = await served.stop();
      expect(left).toBe(0);
    }
  }, 90_000);
});
