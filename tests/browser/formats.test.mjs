// Every input format audits end to end in the browser, through the file input and through paste.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, test } from 'node:test';

import {
  audit, control, dependencies, findings, launch, openPage, paste, waitForEnd,
} from './harness.mjs';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/browser');

// Each fixture names osv-lens-demo 1.3.2 (two advisories) and osv-lens-demo-clean 1.0; the label is what the page
// calls the detected format.
const FORMATS = [
  ['requirements.txt', 'requirements file'],
  ['poetry.lock', 'Poetry lockfile'],
  ['Pipfile.lock', 'Pipenv lockfile'],
  ['pdm.lock', 'PDM lockfile'],
  ['uv.lock', 'uv lockfile'],
  ['pylock.toml', 'PEP 751 lockfile'],
  ['pyproject.toml', 'pyproject.toml'],
  ['script.py', 'inline metadata (PEP 723)'],
  ['environment.yml', 'conda environment file'],
  ['pip-list.json', 'pip list'],
  ['pip-inspect.json', 'pip inspect report'],
  ['bom.cdx.json', 'CycloneDX SBOM'],
  ['sbom.spdx.json', 'SPDX SBOM'],
];

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await control({}); });

async function assertDemoReport(page, fileName) {
  const rows = (await dependencies(page)).filter((row) => row.package.startsWith('osv-lens-demo'));
  assert.deepEqual(rows.map(({ package: name, version, state }) => [name, version, state]), [
    ['osv-lens-demo', '1.3.2', 'vulnerable'],
    ['osv-lens-demo-clean', '1.0', 'clean'],
  ], fileName);
  const found = (await findings(page)).map(({ package: name, vuln }) => [name, vuln]);
  assert.deepEqual(found, [['osv-lens-demo', 'OSVLENS-TEST-1'], ['osv-lens-demo', 'OSVLENS-TEST-2']], fileName);
}

for (const [fileName, label] of FORMATS) {
  test(`${fileName} audits through the file input`, async () => {
    const { page, problems } = await openPage(browser);
    await page.setInputFiles('[data-testid=file-input]', join(FIXTURES, fileName));
    await page.waitForSelector('[data-testid=dependency]');
    assert.equal(await waitForEnd(page), 'done');
    assert.equal(await page.textContent('.file-report h2'), fileName);
    assert.match(await page.textContent('.file-header'), new RegExp(escape(label)));
    await assertDemoReport(page, fileName);
    assert.deepEqual(problems, []);
    await page.close();
  });

  test(`${fileName} audits when pasted`, async () => {
    const { page } = await openPage(browser);
    await paste(page, readFileSync(join(FIXTURES, fileName), 'utf8'));
    assert.equal(await audit(page), 'done');
    assert.match(await page.textContent('.file-header'), new RegExp(escape(label)));
    await assertDemoReport(page, `${fileName} (pasted)`);
    await page.close();
  });
}

test('several files at once give one report, grouped by file', async () => {
  const { page } = await openPage(browser);
  const names = ['uv.lock', 'requirements.txt', 'bom.cdx.json'];
  await page.setInputFiles('[data-testid=file-input]', names.map((name) => join(FIXTURES, name)));
  await page.waitForSelector('[data-testid=dependency]');
  assert.equal(await waitForEnd(page), 'done');
  const headings = await page.$$eval('.file-report h2', (nodes) => nodes.map((node) => node.textContent));
  assert.deepEqual(headings, names);
  const vulnerable = (await dependencies(page)).filter((row) => row.state === 'vulnerable');
  assert.equal(vulnerable.length, 3, 'one vulnerable row per file');
  await page.close();
});

test('a broken document gets one error with its line and column, and other files still audit', async () => {
  const { page } = await openPage(browser);
  await paste(page, '[[package]]\nname = "osv-lens-demo"\nversion = 1.3.2\n[metadata]\nlock-version = "2.1"\n');
  await page.setInputFiles('[data-testid=file-input]', join(FIXTURES, 'requirements.txt'));
  await page.waitForSelector('[data-testid=dependency]');
  assert.equal(await waitForEnd(page), 'done');
  const errors = await page.$$eval('.source-error', (nodes) => nodes.map((node) => node.textContent));
  assert.equal(errors.length, 1);
  assert.match(errors[0], /pasted:3:\d+/);
  const rows = await dependencies(page);
  assert.deepEqual(rows.map((row) => row.state), ['vulnerable', 'clean']);
  await page.close();
});
