// Deeply nested input must never break the page: an error on its line, the rest audited, and a page that failed
// while reading saved input starts again with that input set aside (issue: a 2.4 KB marker line killed the page).
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import { audit, control, dependencies, launch, openPage, paste, waitForEnd } from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await control({}); });

const nested = (levels, inner = 'python_version>"3"') => `${'('.repeat(levels)}${inner}${')'.repeat(levels)}`;
const MARKER_COLUMN = 'six==1.16.0 ; '.length + 32 + 1;

/** Milliseconds the page takes to answer a frame: a frozen or broken tab cannot answer. */
async function responsiveness(page) {
  const started = Date.now();
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve())));
  return Date.now() - started;
}

test('a marker nested 1,200 deep is an error on its line; the other lines are audited, and a reload works', async () => {
  const { page, problems, context } = await openPage(browser, '?pypi=off');
  const text = `six==1.16.0 ; ${nested(1200)}\nosv-lens-demo==1.3.2\nsix==1.16.0 ; extra == "a" or ${nested(1200, 'extra == "b"')}\n`;
  await paste(page, text);
  await page.waitForSelector('[data-testid=read-ahead]');
  assert.match(await page.textContent('[data-testid=read-ahead]'), new RegExp(`line 1, column ${MARKER_COLUMN}: Parentheses nest more than 32 deep`));
  assert.equal(await audit(page), 'done');
  const rows = await dependencies(page);
  assert.deepEqual(rows.map((row) => [row.package, row.state]),
    [['six', 'skipped'], ['osv-lens-demo', 'vulnerable'], ['six', 'skipped']]);
  const errors = await page.$$eval('.source-error', (nodes) => nodes.map((node) => node.textContent));
  assert.ok(errors.some((error) => error.includes(`pasted:1:${MARKER_COLUMN}`)), errors.join('\n'));
  assert.ok(errors.some((error) => error.includes('pasted:3:')), errors.join('\n'));
  assert.ok(await responsiveness(page) < 1_000);

  // The input was kept; the page opens with it and reads it again without breaking.
  await page.reload();
  await page.waitForSelector('[data-testid=read-ahead]');
  assert.equal(await page.inputValue('[data-testid=input]'), text);
  assert.equal(await page.$('[data-testid=set-aside]'), null, 'nothing was set aside: the page did not stop');
  assert.equal(await audit(page), 'done');
  assert.deepEqual(problems, []);
  await context.close();
});

test('deep markers in a pyproject.toml, an environment.yml and a share link are errors, not crashes', async () => {
  const { page, problems, context } = await openPage(browser, '?pypi=off');
  const files = [
    { name: 'pyproject.toml', mimeType: 'text/plain',
      buffer: Buffer.from(`[project]\nname = "x"\ndependencies = [\n  'six==1.16.0 ; ${nested(1200)}',\n  "osv-lens-demo==1.3.2",\n]\n`) },
    { name: 'environment.yml', mimeType: 'text/plain',
      buffer: Buffer.from(`name: x\ndependencies:\n  - pip:\n    - "six==1.16.0 ; ${nested(1200).replaceAll('"', "'")}"\n    - osv-lens-demo==1.3.2\n`) },
  ];
  await page.setInputFiles('[data-testid=file-input]', files);
  assert.equal(await waitForEnd(page), 'done');
  const rows = await dependencies(page);
  assert.deepEqual(rows.map((row) => [row.package, row.state]).sort(),
    [['osv-lens-demo', 'vulnerable'], ['osv-lens-demo', 'vulnerable'], ['six', 'skipped'], ['six', 'skipped']]);
  const errors = await page.$$eval('.source-error', (nodes) => nodes.map((node) => node.textContent));
  assert.ok(errors.some((error) => /pyproject\.toml:4:\d+/.test(error)), errors.join('\n'));
  assert.ok(errors.some((error) => /environment\.yml:4:\d+/.test(error)), errors.join('\n'));

  // The same input through a share link opens in a fresh page without breaking it.
  await page.waitForSelector('[data-testid=share-link]');
  const link = await page.getAttribute('[data-testid=share-link]', 'href');
  const opened = await openPage(browser, '');
  await opened.page.goto(link);
  await opened.page.waitForSelector('[data-testid=dependency]');
  assert.equal(await waitForEnd(opened.page), 'done');
  assert.equal((await dependencies(opened.page)).length, 4);
  assert.ok(await responsiveness(opened.page) < 1_000);
  assert.deepEqual(opened.problems, []);
  await opened.context.close();
  assert.deepEqual(problems, []);
  await context.close();
});

test('a page that stopped while reading its saved input starts with that input set aside, and offers it back', async () => {
  const context = await browser.browser.newContext();
  const saved = { pasted: 'osv-lens-demo==1.3.2\n', files: [] };
  // What a page leaves behind when it stops in the middle of reading: its input, and the reading mark still set.
  await context.addInitScript((input) => {
    if (sessionStorage.getItem('crashed-once')) return;
    sessionStorage.setItem('crashed-once', '1');
    localStorage.setItem('osv-lens.input.v1', JSON.stringify(input));
    localStorage.setItem('osv-lens.reading.v1', '1');
  }, saved);
  const { page, problems } = await openPage(browser, '?pypi=off', { context });
  await page.waitForSelector('[data-testid=set-aside]');
  assert.equal(await page.inputValue('[data-testid=input]'), '', 'the page started without the input');
  assert.match(await page.textContent('[data-testid=set-aside]'), /stopped while reading/);

  // Still set aside after a reload, until the user decides.
  await page.reload();
  await page.waitForSelector('[data-testid=set-aside]');
  await page.click('[data-testid=set-aside-restore]');
  assert.equal(await page.inputValue('[data-testid=input]'), saved.pasted);
  assert.equal(await page.$('[data-testid=set-aside]'), null);
  assert.equal(await audit(page), 'done');
  assert.deepEqual((await dependencies(page)).map((row) => row.state), ['vulnerable']);
  await page.reload();
  await page.waitForSelector('[data-testid=status]');
  assert.equal(await page.$('[data-testid=set-aside]'), null, 'once put back, it is the input again');
  assert.equal(await page.inputValue('[data-testid=input]'), saved.pasted);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a set-aside input can be discarded', async () => {
  const context = await browser.browser.newContext();
  await context.addInitScript(() => {
    if (sessionStorage.getItem('crashed-once')) return;
    sessionStorage.setItem('crashed-once', '1');
    localStorage.setItem('osv-lens.input.v1', JSON.stringify({ pasted: 'six==1.16.0\n', files: [] }));
    localStorage.setItem('osv-lens.reading.v1', '1');
  });
  const { page } = await openPage(browser, '?pypi=off', { context });
  await page.click('[data-testid=set-aside-discard]');
  await page.reload();
  await page.waitForSelector('[data-testid=status]');
  assert.equal(await page.$('[data-testid=set-aside]'), null);
  assert.equal(await page.inputValue('[data-testid=input]'), '');
  await context.close();
});
