// Resolution end to end: inputs that are not fully pinned are resolved in the page against the local package index
// (the recorded `/simple/` answers of tests/fixtures/index), for a chosen target and "as of" day, and the whole tree is
// audited. The expected pins are uv's own answers, recorded in tests/fixtures/resolution/<case>/expected.txt.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, test } from 'node:test';

import { audit, control, dependencies, launch, openPage, paste, pypiLog, waitForEnd } from './harness.mjs';

const CASES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/resolution');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await control({}); });

/** A case's input, target and uv's pins (`name==version` lines of expected.txt). */
function recordedCase(name) {
  const folder = join(CASES, name);
  const setting = (key) => readFileSync(join(folder, 'case.toml'), 'utf8').match(new RegExp(`^${key} = "(.*)"`, 'm'))?.[1];
  const file = setting('input') ?? 'requirements.in';
  const input = readFileSync(join(folder, file), 'utf8');
  const expected = readFileSync(join(folder, 'expected.txt'), 'utf8');
  const pins = expected.split('\n').filter((line) => /^[a-z0-9]/i.test(line)).map((line) => line.trim());
  const query = `?python=${setting('python')}&platform=${setting('platform')}&as-of=${setting('as-of')}`;
  return { input, file, pins, query };
}

async function resolution(page) {
  return page.$eval('[data-testid=resolution]', (panel) => ({ state: panel.dataset.state, text: panel.textContent }));
}

test('ranges resolve to what uv installs, and the whole tree is audited', async () => {
  const { input, pins } = recordedCase('ranges');
  const { page, problems } = await openPage(browser, '?python=3.12&platform=linux&as-of=2025-06-01');
  await paste(page, input);
  assert.equal(await audit(page), 'done');

  const panel = await resolution(page);
  assert.equal(panel.state, 'done');
  assert.match(panel.text, /Resolved 12 packages for CPython 3\.12 on Linux x86_64/);
  assert.match(panel.text, /as of 2025-06-01/);
  assert.match(panel.text, /2 named in the files, 10 installed with them/);

  const rows = await dependencies(page);
  const resolved = rows.map((row) => `${row.package}==${row.version}`).sort();
  assert.deepEqual(resolved, [...pins].sort());
  // Every row was looked up: none is left unchecked, and each has a verdict.
  for (const row of rows) assert.ok(['vulnerable', 'clean'].includes(row.state), `${row.package}: ${row.state}`);

  // The named packages keep their specifier as written; packages pulled in have none.
  const specifiers = await page.$$eval('[data-testid=dependency]', (all) => Object.fromEntries(all
    .map((row) => [row.dataset.package, row.dataset.specifier ?? null])));
  assert.equal(specifiers.requests, '>=2.31,<3');
  assert.equal(specifiers.flask, '>=3.0');
  assert.equal(specifiers.urllib3, null);

  // The index was asked through the JSON simple API, and metadata came from metadata files, never from running code.
  const log = await pypiLog();
  assert.ok(log.some((entry) => entry.path === '/simple/werkzeug/'), 'werkzeug page fetched');
  assert.ok(log.some((entry) => /\.whl\.metadata$/.test(entry.path)), 'wheel metadata files fetched');

  // The resolved set downloads as a pinned requirements.txt.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('[data-testid=resolved-download]'),
  ]);
  const text = readFileSync(await download.path(), 'utf8');
  for (const pin of pins) assert.ok(text.split('\n').includes(pin), `${pin} in the download`);

  // The exports say how the input was resolved.
  const [exported] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-sarif]')]);
  const sarif = JSON.parse(readFileSync(await exported.path(), 'utf8'));
  assert.match(sarif.runs[0].properties.resolution, /^Resolved for CPython 3\.12 on Linux x86_64 from http:\/\/127\.0\.0\.1:\d+, as of 2025-06-01$/);

  assert.deepEqual(problems, []);
  await page.close();
});

test('with no resolution, the reason is given in words and the files are audited as written', async () => {
  const { input } = recordedCase('no-resolution');
  const { page, problems } = await openPage(browser, '?python=3.12&platform=linux&as-of=2025-01-01');
  await paste(page, input);
  assert.equal(await audit(page), 'done');
  const panel = await resolution(page);
  assert.equal(panel.state, 'error');
  assert.match(panel.text, /werkzeug/);
  assert.match(panel.text, /flask/);
  const rows = await dependencies(page);
  assert.deepEqual(rows.map((row) => row.package).sort(), ['flask', 'werkzeug']);
  const summary = await page.textContent('[data-testid=status]');
  assert.doesNotMatch(summary, /No known vulnerabilities/);
  assert.match(summary, /not resolved|not audited/i);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a package whose dependencies cannot be known without a build is said so, never clean by omission', async () => {
  const { input } = recordedCase('sdist-only');
  const { page, problems } = await openPage(browser, '?python=3.11&platform=linux&as-of=2025-03-01');
  await paste(page, input);
  assert.equal(await audit(page), 'done');
  const panel = await resolution(page);
  assert.equal(panel.state, 'partial');
  assert.match(panel.text, /docopt/);
  assert.match(panel.text, /Not resolved, not audited/);
  const summary = await page.textContent('[data-testid=status]');
  assert.doesNotMatch(summary, /No known vulnerabilities/);
  const rows = await dependencies(page);
  assert.deepEqual(rows.map((row) => `${row.package}==${row.version}`).sort(), ['docopt==0.6.2', 'pyyaml==6.0.2']);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a fully pinned input is not resolved, and ?resolve=off audits ranges as ranges', async () => {
  const { page, problems } = await openPage(browser, '?as-of=2025-06-01');
  await paste(page, 'flask==3.1.1\nrequests==2.32.3');
  assert.equal(await audit(page), 'done');
  assert.equal((await resolution(page)).state, 'none');
  assert.deepEqual((await dependencies(page)).map((row) => row.package).sort(), ['flask', 'requests']);
  await page.close();

  const off = await openPage(browser, '?resolve=off');
  await paste(off.page, 'flask>=3.0');
  assert.equal(await audit(off.page), 'done');
  assert.equal((await resolution(off.page)).state, 'none');
  const rows = await dependencies(off.page);
  assert.deepEqual(rows.map((row) => `${row.package} ${row.version}`), ['flask >=3.0']);
  assert.deepEqual([...problems, ...off.problems], []);
  await off.page.close();
});

// uv's answers over the same recorded index (with `ranges` above, ten cases): the largest tree (apache-airflow with six
// extras, 323 packages), extras, markers on Windows and macOS, Python 3.13 on Windows, a pin that holds a range back,
// Requires-Python, a yanked release, and a pyproject.toml with 19 pins.
for (const name of ['airflow', 'markers-windows', 'yanked', 'pyproject-pins', 'requires-python', 'extras', 'macos',
  'pin-stays', 'windows-py313']) {
  test(`the recorded case \`${name}\` resolves in the page to uv's pins`, async () => {
    const { input, file, pins, query } = recordedCase(name);
    const { page, problems } = await openPage(browser, query);
    // Chosen as the file it is: a `requirements.in` lists top-level requirements even when it pins them.
    const previous = await page.getAttribute('[data-testid=status]', 'data-run');
    const started = Date.now();
    await page.setInputFiles('[data-testid=file-input]', { name: file, mimeType: 'text/plain', buffer: Buffer.from(input) });
    assert.equal(await waitForEnd(page, 180_000, previous), 'done');
    const panel = await resolution(page);
    // Two of airflow's packages have only an sdist: uv builds them to learn their dependencies, the page says it
    // cannot (their own pins are still audited; what they need is found through other packages here).
    assert.equal(panel.state, name === 'airflow' ? 'partial' : 'done', panel.text);
    if (name === 'airflow') assert.match(panel.text, /Not resolved, not audited: json-merge-patch 0\.2.*python-nvd3 0\.16\.0/);
    const rows = (await dependencies(page)).filter((row) => row.state !== 'skipped');
    assert.deepEqual(rows.map((row) => `${row.package}==${row.version}`).sort(), [...pins].sort());
    console.log(`${name}: ${pins.length} packages resolved and audited in ${Date.now() - started} ms`);
    assert.deepEqual(problems, []);
    await page.close();
  });
}

test('the settings choose resolution, target and "as of" day, and keep them after a reload', async () => {
  const { input, pins } = recordedCase('ranges');
  const context = await browser.browser.newContext();
  try {
    const { page, problems } = await openPage(browser, '', { context });
    await page.click('[data-testid=settings] summary');
    await page.selectOption('[data-testid=setting-python]', '3.12');
    await page.selectOption('[data-testid=setting-platform]', 'linux');
    await page.fill('[data-testid=setting-as-of]', '2025-06-01');
    await page.dispatchEvent('[data-testid=setting-as-of]', 'change');
    await paste(page, input);
    assert.equal(await audit(page), 'done');
    const panel = await resolution(page);
    assert.match(panel.text, /for CPython 3\.12 on Linux x86_64 .*as of 2025-06-01/);
    assert.deepEqual((await dependencies(page)).map((row) => `${row.package}==${row.version}`).sort(), [...pins].sort());

    // Switched off in the settings, the same input is audited as ranges, and the choice survives a reload.
    await page.uncheck('[data-testid=setting-resolve]');
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.waitForSelector('[data-testid=status]');
    assert.equal(await page.isChecked('[data-testid=setting-resolve]'), false);
    assert.equal(await page.inputValue('[data-testid=setting-python]'), '3.12');
    assert.equal(await page.inputValue('[data-testid=setting-as-of]'), '2025-06-01');
    await paste(page, input);
    assert.equal(await audit(page), 'done');
    assert.equal((await resolution(page)).state, 'none');
    assert.deepEqual((await dependencies(page)).map((row) => row.version), ['>=2.31,<3', '>=3.0']);
    assert.deepEqual(problems, []);
    await page.close();
  } finally {
    await context.close();
  }
});

test('a share link carries the target and "as of" day: the reader resolves to the same pins, settings untouched', async () => {
  const { input, pins, query } = recordedCase('ranges');
  const { page, problems } = await openPage(browser, query);
  await paste(page, input);
  assert.equal(await audit(page), 'done');
  const link = await page.waitForSelector('[data-testid=share-link]');
  const href = await link.getAttribute('href');
  await page.close();

  // The reader opens the link on a page with no parameters: the link's resolution applies to its report.
  const reader = await openPage(browser, href.slice(href.indexOf('#')));
  await reader.page.waitForFunction(() => {
    const status = document.querySelector('[data-testid=status]');
    return status?.dataset.state === 'done' && status.dataset.fixes === 'ready';
  }, null, { timeout: 60_000 });
  const panel = await resolution(reader.page);
  assert.match(panel.text, /for CPython 3\.12 on Linux x86_64 .*as of 2025-06-01/);
  assert.deepEqual((await dependencies(reader.page)).map((row) => `${row.package}==${row.version}`).sort(), [...pins].sort());
  // The reader's own settings are left as they were (the newest Python, today's releases).
  assert.equal(await reader.page.inputValue('[data-testid=setting-python]'), '3.15');
  assert.equal(await reader.page.inputValue('[data-testid=setting-as-of]'), '');
  assert.deepEqual([...problems, ...reader.problems], []);
  await reader.page.close();
});
