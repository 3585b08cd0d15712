import { chromium } from 'playwright-core';
const [base, path, out] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
await page.goto(base + path);
await page.locator('[data-socklab-workbench]').scrollIntoViewIfNeeded();
await page.locator('.wb[data-link="connected"]').waitFor({ timeout: 30000 });
await page.getByRole('button', { name: /^.?(Check|채점|검사)$/ }).first().click();
await page.locator('.wb-checklist[data-verdict]').waitFor({ timeout: 120000 });
await page.waitForTimeout(500);
const focus = process.argv[5];
const failed = focus ? page.locator('.wb-check', { hasText: focus }).first() : page.locator('.wb-check[data-status="failed"]').first();
if (focus) { const d = failed.locator('details').first(); if (!(await d.getAttribute('open') !== null)) await failed.locator('summary').first().click(); }
await failed.evaluate((e) => e.scrollIntoView({ block: 'start' }));
await page.waitForTimeout(300);
console.log(await failed.innerText());
await page.screenshot({ path: out });
await browser.close();
