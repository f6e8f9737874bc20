// Fix plans end to end: the lowest version that fixes each finding and all of them, checked against PyPI's release
// list from the local PyPI endpoint; a patched requirements file shown as a diff and downloaded; lockfile commands.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';

import { audit, control, download, launch, openPage, paste, waitForEnd } from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await control({}); });

/** Every fix plan: package, target and text. */
async function plans(page) {
  return page.$$eval('[data-testid=fix-plan]', (nodes) => nodes.map((node) => ({
    package: node.dataset.package, target: node.dataset.target, file: node.dataset.file, text: node.textContent,
  })));
}

const PINNED = [
  '# app requirements',
  'osv-lens-demo==1.3.2 \\',
  '    --hash=sha256:1111 \\',
  '    --hash=sha256:2222',
  'osv-lens-other==2.1  # last affected 2.5',
  'osv-lens-demo-clean==1.0',
  'osv-lens-major==1.5.0 ; python_version >= "3.9"',
  '',
].join('\n');

test('fix plans use real PyPI releases, and the patched file changes only versions', async () => {
  const { page, problems } = await openPage(browser);
  await paste(page, PINNED);
  assert.equal(await audit(page), 'done');
  await page.waitForSelector('[data-testid=patched-file]');

  const found = await plans(page);
  assert.deepEqual(found.map(({ package: name, target, file }) => [name, target, file]), [
    ['osv-lens-demo', '1.4.1', 'pasted'],
    ['osv-lens-other', '2.6', 'pasted'],
    ['osv-lens-major', '2.0.0', 'pasted'],
  ]);
  // 1.4.0 is the advisory's fixed version, but PyPI has it yanked: the plan moves on to 1.4.1.
  assert.match(found[0].text, /Upgrade to 1\.4\.1: it fixes all 2 advisories/);
  assert.match(found[0].text, /OSVLENS-TEST-1 → fixed in 1\.4\.1/);
  assert.match(found[0].text, /OSVLENS-TEST-2 → fixed in 1\.3\.5/);
  assert.match(found[0].text, /1\.4\.0 \(named fixed by OSVLENS-TEST-1\) is yanked on PyPI/);
  // The record names no fixed version (last_affected 2.5), but PyPI's release list has 2.6.
  assert.match(found[1].text, /Upgrade to 2\.6: it fixes the advisory/);
  assert.match(found[2].text, /Major version jump from 1\.x to 2\.x/);

  const diff = await page.textContent('[data-testid=patched-diff]');
  assert.match(diff, /-osv-lens-demo==1\.3\.2 \\\n-    --hash=sha256:1111 \\\n-    --hash=sha256:2222\n\+osv-lens-demo==1\.4\.1\n/);
  assert.match(diff, /\+osv-lens-other==2\.6  # last affected 2\.5\n/);
  assert.match(await page.textContent('[data-testid=patched-file]'), /line 2: 2 hashes removed/);

  const file = await download(page, '[data-testid=patched-download]');
  assert.equal(file.name, 'requirements.txt');
  assert.equal(file.text, [
    '# app requirements',
    'osv-lens-demo==1.4.1',
    'osv-lens-other==2.6  # last affected 2.5',
    'osv-lens-demo-clean==1.0',
    'osv-lens-major==2.0.0 ; python_version >= "3.9"',
    '',
  ].join('\n'));
  assert.deepEqual(problems, []);
  await page.close();
});

test('without PyPI the plans use the advisories\' fixed versions, and a missing fix is said so', async () => {
  await control({ faults: [{ kind: 'status', status: 503, path_prefix: '/simple/' }] });
  const { page } = await openPage(browser);
  await paste(page, PINNED);
  assert.equal(await audit(page, { timeout: 120_000 }), 'done');
  await page.waitForSelector('[data-testid=patched-file]');
  const found = await plans(page);
  assert.deepEqual(found.map(({ package: name, target }) => [name, target]),
    [['osv-lens-demo', '1.4.0'], ['osv-lens-other', ''], ['osv-lens-major', '2.0.0']]);
  // Said once, at the top, not in each plan.
  assert.equal(await page.getAttribute('[data-testid=index-state]', 'data-state'), 'failed');
  assert.match(await page.textContent('[data-testid=index-state]'), /could not be read \(PyPI answered HTTP 503\)/);
  assert.ok(found.every((plan) => !/release list/.test(plan.text)), 'no plan repeats it');
  assert.match(found[1].text, /No fixed version is known/);
  assert.match(found[1].text, /OSVLENS-TEST-4 → no fixed version known/);
  const file = await download(page, '[data-testid=patched-download]');
  assert.match(file.text, /^osv-lens-demo==1\.4\.0$/m);
  assert.match(file.text, /^osv-lens-other==2\.1  # last affected 2\.5$/m, 'no fix, no change');
  await page.close();
});

test('a range raises its lower bound, past its upper bound when it must', async () => {
  // Resolution off: the range is audited and fixed as a range.
  const { page } = await openPage(browser, '?resolve=off');
  await paste(page, 'osv-lens-demo>=1.3,<1.4\nosv-lens-other >= 2.0\n');
  assert.equal(await audit(page), 'done');
  await page.waitForSelector('[data-testid=patched-file]');
  const found = await plans(page);
  assert.deepEqual(found.map(({ package: name, target }) => [name, target]), [['osv-lens-demo', '1.4.1'], ['osv-lens-other', '2.6']]);
  assert.match(found[0].text, /Raise the lower bound to 1\.4\.1 \(>=1\.4\.1\)/);
  assert.match(found[0].text, /drops <1\.4/);
  const file = await download(page, '[data-testid=patched-download]');
  assert.equal(file.text, 'osv-lens-demo>=1.4.1\nosv-lens-other >= 2.6\n');
  await page.close();
});

test('lockfiles get the commands of their tool, never a rewritten file', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'osv-lens-fixes-'));
  const uv = join(folder, 'uv.lock');
  writeFileSync(uv, [
    'version = 1', 'requires-python = ">=3.11"', '',
    '[[package]]', 'name = "osv-lens-demo"', 'version = "1.3.2"', 'source = { registry = "https://pypi.org/simple" }', '',
    '[[package]]', 'name = "osv-lens-major"', 'version = "1.0.0"', 'source = { registry = "https://pypi.org/simple" }', '',
  ].join('\n'));
  const poetry = join(folder, 'poetry.lock');
  writeFileSync(poetry, [
    '[[package]]', 'name = "osv-lens-demo"', 'version = "1.3.0"', 'description = ""', 'optional = false',
    'python-versions = "*"', 'files = []', '', '[metadata]', 'lock-version = "2.0"', 'python-versions = "^3.11"',
    'content-hash = "0"', '',
  ].join('\n'));
  const { page } = await openPage(browser);
  await page.setInputFiles('[data-testid=file-input]', [uv, poetry]);
  await page.waitForSelector('[data-testid=dependency]');
  assert.equal(await waitForEnd(page), 'done');
  await page.waitForSelector('[data-testid=fix-commands]');
  const commands = await page.$$eval('[data-testid=fix-command]', (nodes) => nodes.map((node) => node.textContent));
  assert.deepEqual(commands, [
    'uv lock --upgrade-package osv-lens-demo==1.4.1 --upgrade-package osv-lens-major==2.0.0',
    'poetry update osv-lens-demo',
  ]);
  assert.equal(await page.$('[data-testid=patched-file]'), null, 'no lockfile is rewritten');
  assert.match(await page.textContent('[data-testid=fix-commands]'), /never rewritten by hand/);
  await page.close();
});

test('release lists are read in a worker that loads only when an audit needs the package index', async () => {
  const { page, problems, requests } = await openPage(browser);
  const worker = () => requests.filter((request) => /\/worker(_bg\.wasm|\.js)$/.test(request.url));
  await page.waitForTimeout(300);
  assert.deepEqual(worker(), [], 'the worker is not loaded with the page');
  await paste(page, 'osv-lens-demo==1.3.2\n');
  assert.equal(await audit(page), 'done');
  assert.equal(await page.getAttribute('[data-testid=status]', 'data-fixes'), 'ready');
  assert.ok(worker().length >= 2, `the worker's script and module were loaded: ${worker().map((r) => r.url)}`);
  // The worker's requests are listed with the page's own.
  const sent = await page.textContent('[data-testid=sent-log]');
  assert.match(sent, /\/simple\/osv-lens-demo\//);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a patched file is resolved before it is offered: it installs, or the parent that forbids the fix is named', async () => {
  const { page, problems } = await openPage(browser);
  // dnspython 2.6.1 fixes dnspython 2.6.0 and needs nothing else (its metadata is in the recorded index).
  await paste(page, 'dnspython==2.6.0\n');
  assert.equal(await audit(page), 'done');
  const check = page.locator('[data-testid=patched-check]');
  await page.waitForSelector('[data-testid=patched-check]');
  assert.equal(await check.getAttribute('data-state'), 'installs', await check.textContent());
  assert.match(await check.textContent(), /The patched pasted resolves: its 1 requirement installs for CPython 3\.\d+ on Linux/);

  // osv-lens-parent 1.0 requires osv-lens-demo<1.4: the patched osv-lens-demo==1.4.1 does not install beside it
  // (osv-lens-demo also needs osv-lens-other, which only an sdist gives: the conflict is known all the same).
  await paste(page, 'osv-lens-parent==1.0\nosv-lens-demo==1.3.2\n');
  assert.equal(await audit(page), 'done');
  await page.waitForSelector('[data-testid=patched-check][data-state=conflict]');
  const said = await check.textContent();
  assert.match(said, /The patched pasted does not install for CPython/);
  assert.match(said, /osv-lens-parent/);
  assert.match(await page.textContent('[data-testid=patched-diff]'), /\+osv-lens-demo==1\.4\.1/);
  assert.deepEqual(problems, []);
  await page.close();
});
