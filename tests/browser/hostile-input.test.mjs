// Hostile input, round two (issue 24): advisory text that took quadratic time, a database whose records all match one
// package, share links past the paste limit or carrying credentials, UTF-16 files, records of an unknown schema,
// zips the reader cannot inflate, and names that are not package names. Each test failed before its fix.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';

import {
  BASE, apiLog, audit, control, dependencies, findings, launch, openPage, paste, readShareLink, responsiveness,
  shareFragment, typingAnswers, waitForEnd, zipOf,
} from './harness.mjs';

const FOLDER = mkdtempSync(join(tmpdir(), 'osv-lens-hostile-'));

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await control({}); });

/** Opens the first finding's details and returns how long the details took to be drawn, in milliseconds. */
async function openFirstDetails(page) {
  const started = Date.now();
  await page.click('[data-testid=finding] details.finding-details > summary');
  await page.waitForSelector('[data-testid=advisory-details]', { timeout: 20_000 });
  return Date.now() - started;
}

for (const [label, text, repeat] of [['&#', '&#', 512 * 1024], ['- a lines', '- a\n', 256 * 1024]]) {
  test(`D2: a megabyte of ${label} in an advisory opens at once, with "show more"`, async () => {
    // Every record the local API serves gets 1 MB of this as its details.
    await control({ faults: [{ kind: 'details', text, repeat }] });
    const { page, problems, context } = await openPage(browser, '?pypi=off');
    await paste(page, 'osv-lens-demo==1.3.2\n');
    assert.equal(await audit(page), 'done');
    const opened = await openFirstDetails(page);
    console.log(`# 1 MB of ${label}: details drawn in ${opened} ms`);
    assert.ok(opened < 3_000, `the details opened in ${opened} ms`);
    assert.ok(await responsiveness(page) < 1_000);
    const details = page.locator('[data-testid=advisory-details]').first();
    const drawn = async () => details.evaluate((node) => ({ nodes: node.querySelectorAll('*').length, text: node.textContent.length }));
    const first = await drawn();
    assert.ok(first.nodes <= 2_100 && first.text <= 40 * 1024, `the first step is bounded: ${JSON.stringify(first)}`);
    const more = details.locator('[data-testid=details-more]');
    assert.equal(await more.count(), 1, 'a "show more" control');
    await more.click();
    await page.waitForFunction((before) => {
      const node = document.querySelector('[data-testid=advisory-details]');
      return node.textContent.length > before;
    }, first.text);
    assert.ok(await typingAnswers(page) < 1_000, 'the paste box still answers');
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('D3: 99,999 records matching a few packages give a capped report, a message, and a usable page', async () => {
  // 96,999 records for jinja2 2.10 and 600 for each of five more packages: 500 findings per package and 1,000 in
  // all are shown.
  const others = ['pkg-a', 'pkg-b', 'pkg-c', 'pkg-d', 'pkg-e'];
  const packages = [['jinja2', '2.10', 96_999], ...others.map((name) => [name, '1.0', 600])];
  const entries = [];
  for (const [name, version, count] of packages) {
    for (let index = 0; index < count; index += 1) {
      const id = `HOSTILE-${name}-${String(index).padStart(5, '0')}`;
      const record = `{"id":"${id}","modified":"2024-01-01T00:00:00Z","summary":"s","affected":[{"package":{"ecosystem":"PyPI","name":"${name}"},"versions":["${version}"]}]}`;
      entries.push({ name: `${id}.json`, data: Buffer.from(record), method: 0 });
    }
  }
  const path = join(FOLDER, 'one-package.zip');
  writeFileSync(path, zipOf(entries));
  const { page, problems, context } = await openPage(browser, '?pypi=off');
  await page.setInputFiles('[data-testid=offline-db-input]', path);
  await page.waitForFunction(() => document.querySelector('[data-testid=offline-db-status]')?.dataset.state === 'ready',
    null, { timeout: 120_000 });
  assert.equal(await page.getAttribute('[data-testid=offline-db-status]', 'data-records'), '99999');
  await paste(page, `jinja2==2.10\n${others.map((name) => `${name}==1.0`).join('\n')}\n`);
  const started = Date.now();
  assert.equal(await audit(page, { timeout: 60_000 }), 'done');
  console.log(`# 99,999 findings: the audit ended in ${Date.now() - started} ms`);
  const cap = await page.$eval('[data-testid=findings-cap]', (node) => ({ notShown: node.dataset.notShown, text: node.textContent }));
  assert.equal(cap.notShown, String(99_999 - 1_000));
  assert.match(cap.text, /at most 500 findings per package and 1000 in all/);
  const rows = await dependencies(page);
  assert.deepEqual(rows.map((row) => [row.package, row.state]),
    [['jinja2', 'vulnerable'], ...others.map((name) => [name, 'vulnerable'])], 'past the cap is never clean');
  const shown = await findings(page);
  assert.equal(shown.length, 1_000);
  assert.equal(shown.filter((finding) => finding.package === 'jinja2').length, 500);
  assert.equal(shown.filter((finding) => finding.package === 'pkg-b').length, 0);
  // While the stubs are made whole (in idle steps) the page draws frames; an edit of the box is read once the steps
  // are done (measured, not bounded here); afterwards the box answers at once.
  const busy = await responsiveness(page);
  const typedWhileBusy = await typingAnswers(page, 'six==1.0');
  console.log(`# right after the audit: a frame in ${busy} ms, an edit read in ${typedWhileBusy} ms`);
  assert.ok(busy < 1_000, `a frame took ${busy} ms`);
  await page.waitForFunction(() => document.querySelector('[data-testid=finding][data-stub]') === null, null, { timeout: 60_000 });
  console.log(`# 1,000 cards whole ${Date.now() - started} ms after the audit started`);
  assert.ok(await responsiveness(page) < 1_000);
  assert.ok(await typingAnswers(page) < 1_000, 'the paste box still answers');
  assert.deepEqual(problems, []);
  await context.close();
});

test('D6: a share link whose paste is past the 4 MB paste limit is refused with a message, never saved', async () => {
  const pasted = 'osv-lens-demo==1.3.2\n'.repeat(Math.ceil((4 * 1024 * 1024 + 1) / 21));
  const fragment = shareFragment({ pasted });
  assert.ok(fragment.length < 512 * 1024, `the link itself is small: ${fragment.length}`);
  const { page, problems, context } = await openPage(browser, '?pypi=off');
  await paste(page, 'six==1.16.0\n');
  await page.waitForSelector('[data-testid=read-ahead]');
  await page.goto(`${BASE}/?pypi=off#${fragment}`);
  await page.waitForSelector('[data-testid=share-error]');
  assert.match(await page.textContent('[data-testid=share-error]'), /pasted text is 4\.0 MB; the paste box takes up to 4 MB/);
  assert.equal(await page.inputValue('[data-testid=input]'), 'six==1.16.0\n', 'the own input stays');
  const saved = await page.evaluate(() => localStorage.getItem('osv-lens.input.v1') ?? '');
  assert.ok(saved.length < 1_000, `nothing of the link was saved: ${saved.length} characters`);
  assert.equal(await page.$('[data-testid=dependency]'), null, 'nothing of the link was audited');
  assert.deepEqual(problems, []);
  await context.close();
});

/** `text` in UTF-16 with a byte order mark, as PowerShell's `pip freeze > requirements.txt` writes it. */
function utf16(text, order = 'le') {
  const bytes = Buffer.from(text, 'utf16le');
  if (order === 'be') bytes.swap16();
  return Buffer.concat([Buffer.from(order === 'le' ? [0xff, 0xfe] : [0xfe, 0xff]), bytes]);
}

test('UTF-16 requirements files (LE and BE) are decoded, chosen or pasted as files', async () => {
  const { page, problems, context } = await openPage(browser, '?pypi=off');
  await page.setInputFiles('[data-testid=file-input]', [
    { name: 'requirements.txt', mimeType: 'text/plain', buffer: utf16('osv-lens-demo==1.3.2\r\nsix==1.16.0\r\n') },
    { name: 'constraints-be.txt', mimeType: 'text/plain', buffer: utf16('osv-lens-other==2.1\r\n', 'be') },
  ]);
  assert.equal(await waitForEnd(page), 'done');
  const rows = await dependencies(page);
  assert.deepEqual(rows.map((row) => [row.package, row.version]).sort(),
    [['osv-lens-demo', '1.3.2'], ['osv-lens-other', '2.1'], ['six', '1.16.0']]);
  assert.equal(await page.$('.source-error'), null);

  // A file pasted into the box (copied in a file manager) is read the same way.
  const previous = await page.getAttribute('[data-testid=status]', 'data-run');
  await page.evaluate((bytes) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([new Uint8Array(bytes)], 'pasted-freeze.txt', { type: 'text/plain' }));
    const event = new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true });
    document.querySelector('[data-testid=input]').dispatchEvent(event);
  }, [...utf16('osv-lens-demo-clean==1.0\r\n')]);
  assert.equal(await waitForEnd(page, 60_000, previous), 'done');
  const pasted = (await dependencies(page)).find((row) => row.package === 'osv-lens-demo-clean');
  assert.equal(pasted?.version, '1.0', 'the pasted UTF-16 file was read');
  assert.deepEqual(problems, []);
  await context.close();
});

test('records of an unknown schema major get a notice on their findings, and are still read', async () => {
  await control({ faults: [{ kind: 'schema-v2' }] });
  const { page, problems, context } = await openPage(browser, '?pypi=off');
  await paste(page, 'osv-lens-demo==1.3.2\n');
  assert.equal(await audit(page), 'done');
  const found = await findings(page);
  assert.equal(found.length, 2, 'the records were read');
  await page.waitForFunction(() => document.querySelector('[data-testid=finding][data-stub]') === null);
  const notices = await page.$$eval('[data-testid=schema-notice]', (nodes) => nodes.map((node) => node.textContent));
  assert.equal(notices.length, 2, notices.join('\n'));
  assert.ok(notices.every((notice) => /OSV schema 2\.0\.0/.test(notice)), notices.join('\n'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('zips whose entries are bzip2 or fail their CRC say so, not "holds no OSV record"', async () => {
  const record = (id) => Buffer.from(`{"id":"${id}","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"six"},"versions":["1.0"]}]}`);
  const cases = [
    ['bzip2.zip', [{ name: 'A-1.json', data: record('A-1'), method: 12 }, { name: 'A-2.json', data: record('A-2'), method: 12 }],
      /`bzip2\.zip` cannot be used for audits: 2 of its entries could not be read \(A-1\.json: compression method 12 is not supported/],
    ['bad-crc.zip', [{ name: 'B-1.json', data: record('B-1'), crc: 1234 }],
      /`bad-crc\.zip` cannot be used for audits: its one record could not be read \(B-1\.json: its CRC-32 does not match its data\)/],
  ];
  const { page, problems, context } = await openPage(browser, '?pypi=off');
  for (const [name, entries, expected] of cases) {
    const path = join(FOLDER, name);
    writeFileSync(path, zipOf(entries));
    await page.setInputFiles('[data-testid=offline-db-input]', path);
    await page.waitForFunction(() => document.querySelector('[data-testid=offline-db-status]')?.dataset.state === 'error');
    const text = await page.textContent('[data-testid=offline-db-status]');
    assert.match(text, expected);
    assert.doesNotMatch(text, /holds no OSV record/);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('names that are not PEP 508 names, from pip list JSON and lockfiles, are skipped and never looked up', async () => {
  const pipList = JSON.stringify([
    { name: '../../etc/passwd', version: '1.0' },
    { name: 'osv-lens-demo', version: '1.3.2' },
    { name: 'bad name', version: '1.0' },
  ]);
  const lock = '[[package]]\nname = "-leading-dash"\nversion = "1.0"\n\n[[package]]\nname = "osv-lens-demo-clean"\nversion = "1.0"\n';
  const { page, problems, context } = await openPage(browser, '?pypi=off');
  await page.setInputFiles('[data-testid=file-input]', [
    { name: 'pip-list.json', mimeType: 'application/json', buffer: Buffer.from(pipList) },
    { name: 'poetry.lock', mimeType: 'text/plain', buffer: Buffer.from(lock) },
  ]);
  assert.equal(await waitForEnd(page), 'done');
  const rows = await dependencies(page);
  const states = rows.map((row) => [row.package, row.state]);
  assert.deepEqual(states, [
    ['../../etc/passwd', 'skipped'], ['osv-lens-demo', 'vulnerable'], ['bad name', 'skipped'],
    ['-leading-dash', 'skipped'], ['osv-lens-demo-clean', 'clean'],
  ]);
  assert.match(rows[0].text, /not a valid package name/);
  const asked = JSON.stringify(await apiLog());
  for (const name of ['passwd', 'bad name', 'leading-dash']) assert.ok(!asked.includes(name), `${name} was not sent`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('credentials in index URLs never enter a share link', async () => {
  const { page, problems, context } = await openPage(browser, '?pypi=off');
  await paste(page, '--index-url https://user:s3cret@pypi.example.org/simple\n'
    + 'osv-lens-demo @ git+https://ghp_T0KEN@github.com/org/demo@v1\nosv-lens-demo-clean==1.0\n');
  assert.equal(await audit(page), 'done');
  await page.waitForSelector('[data-testid=share-link]');
  const link = await page.getAttribute('[data-testid=share-link]', 'href');
  const shared = readShareLink(link);
  assert.equal(shared.pasted, '--index-url https://pypi.example.org/simple\n'
    + 'osv-lens-demo @ git+https://github.com/org/demo@v1\nosv-lens-demo-clean==1.0\n');
  assert.ok(!JSON.stringify(shared).includes('s3cret') && !JSON.stringify(shared).includes('T0KEN'));
  assert.deepEqual(problems, []);
  await context.close();
});
