// Opening a share link never changes the reader's saved input or ignore rules without asking (issue 24, D4): the
// link's rules apply to its report; keeping them, and going back to one's own input, are choices.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import { audit, control, launch, openPage, paste, waitForEnd } from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await control({}); });

/** A share link of `osv-lens-demo==1.3.2` with OSVLENS-TEST-2 ignored. */
async function linkWithRule() {
  const { page } = await openPage(browser, '?pypi=off');
  await paste(page, 'osv-lens-demo==1.3.2\n');
  assert.equal(await audit(page), 'done');
  const card = '[data-testid=findings] [data-vuln=OSVLENS-TEST-2]';
  await page.click(`${card} [data-testid=ignore]`);
  await page.fill(`${card} [data-testid=ignore-reason]`, 'their reason');
  await page.click(`${card} [data-testid=ignore-confirm]`);
  await page.waitForSelector('[data-testid=ignored] [data-vuln=OSVLENS-TEST-2]');
  await page.waitForFunction(() => document.querySelector('[data-testid=share-link]')?.href.includes('#r='));
  const href = await page.getAttribute('[data-testid=share-link]', 'href');
  await page.close();
  return href;
}

/** A reader's own page: their input and one rule of their own, saved. */
async function reader() {
  const context = await browser.browser.newContext();
  const own = await openPage(browser, '?pypi=off', { context });
  await paste(own.page, 'osv-lens-other==2.1\n');
  assert.equal(await audit(own.page), 'done');
  const card = '[data-testid=findings] [data-testid=finding]';
  await own.page.click(`${card} [data-testid=ignore]`);
  await own.page.fill(`${card} [data-testid=ignore-reason]`, 'my reason');
  await own.page.click(`${card} [data-testid=ignore-confirm]`);
  await own.page.waitForSelector('[data-testid=ignored] [data-testid=finding]');
  await own.page.close();
  return context;
}

const saved = (page) => page.evaluate(() => ({
  input: JSON.parse(localStorage.getItem('osv-lens.input.v1')),
  triage: JSON.parse(localStorage.getItem('osv-lens.triage.v1')),
}));

test('a link with ignore rules applies them to its report only; the reader keeps their own input and rules', async () => {
  const href = await linkWithRule();
  const context = await reader();
  const opened = await openPage(browser, '', { context });
  const before = await saved(opened.page);
  await opened.page.goto(href);
  assert.equal(await waitForEnd(opened.page), 'done');
  await opened.page.waitForSelector('[data-testid=shared-banner]');
  assert.match(await opened.page.textContent('[data-testid=shared-banner]'), /1 ignore rule apply to this report only/);
  await opened.page.waitForSelector('[data-testid=ignored] [data-vuln=OSVLENS-TEST-2]');
  assert.deepEqual(await saved(opened.page), before, 'nothing the reader kept changed');

  // Back to the reader's own input: their rule applies again, the link's does not.
  await opened.page.click('[data-testid=leave-shared-link]');
  assert.equal(await opened.page.inputValue('[data-testid=input]'), 'osv-lens-other==2.1\n');
  assert.equal(await audit(opened.page), 'done');
  const ignored = await opened.page.$$eval('[data-testid=ignored] [data-testid=finding]', (nodes) => nodes.map((node) => node.dataset.package));
  assert.deepEqual(ignored, ['osv-lens-other'], 'the reader\'s own rule');
  assert.deepEqual((await saved(opened.page)).triage.ignores.map((rule) => rule.reason), ['my reason']);
  await context.close();
});

test('keeping a link\'s ignore rules is a choice', async () => {
  const href = await linkWithRule();
  const context = await reader();
  const opened = await openPage(browser, '', { context });
  await opened.page.goto(href);
  assert.equal(await waitForEnd(opened.page), 'done');
  await opened.page.click('[data-testid=keep-shared-ignores]');
  await opened.page.waitForFunction(() => !document.querySelector('[data-testid=shared-banner]'));
  const reasons = (await saved(opened.page)).triage.ignores.map((rule) => rule.reason);
  assert.deepEqual(reasons, ['my reason', 'their reason'], 'the link\'s rules join the reader\'s');
  await context.close();
});

