// The offline database: an OSV export zip chosen in the page, audits with no request at all, IndexedDB across a
// reload, the online/offline switch, and archives that are broken, hostile or too large. The zips are written here,
// at test time, from the project's own fixture records (and, for the measurements, the shared test data's all.zip).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';

import {
  BASE, SHARED_DATA, apiLog, audit, control, dependencies, findings, launch, needRealData, openPage, paste, pypiLog,
  zipOf,
} from './harness.mjs';

const OSV_FIXTURES = new URL('../fixtures/osv/', import.meta.url).pathname;
const BENCH_REQUIREMENTS = new URL('../fixtures/bench/requirements.txt', import.meta.url).pathname;
const FOLDER = mkdtempSync(join(tmpdir(), 'osv-lens-offline-'));

function writeZip(name, entries) {
  const path = join(FOLDER, name);
  writeFileSync(path, zipOf(entries));
  return path;
}

const fixtureNames = readdirSync(OSV_FIXTURES).filter((name) => name.endsWith('.json')).sort();
const fixtureRecords = fixtureNames.map((name) => JSON.parse(readFileSync(join(OSV_FIXTURES, name), 'utf8')));
const SMALL_ZIP = writeZip('osv-fixtures.zip',
  fixtureNames.map((name) => ({ name, data: readFileSync(join(OSV_FIXTURES, name)) })));
/** The newest `modified` of the fixture records: the database's age. */
const NEWEST_DAY = fixtureRecords.map((record) => record.modified).sort().at(-1).slice(0, 10);

const DEMO_REQUIREMENTS = [
  'osv-lens-demo==1.3.2',
  'OSV_Lens.Other[extra] == 2.1 ; python_version >= "3.8"',
  'osv-lens-demo-clean==1.0',
  'osv-lens-grouped==1.0',
].join('\n');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await control({}); });

async function offlineStatus(page) {
  return page.$eval('[data-testid=offline-db-status]', (node) => ({
    state: node.dataset.state, records: Number(node.dataset.records), text: node.textContent,
  }));
}

/** Waits until the offline database is no longer empty or loading; returns its status. */
async function waitForDatabase(page, timeout = 60_000) {
  await page.waitForFunction(() => {
    const state = document.querySelector('[data-testid=offline-db-status]')?.dataset.state;
    return state === 'ready' || state === 'error';
  }, null, { timeout });
  return offlineStatus(page);
}

async function chooseArchive(page, path) {
  await page.setInputFiles('[data-testid=offline-db-input]', path);
  return waitForDatabase(page);
}

const describeFindings = async (page) => (await findings(page))
  .map(({ package: name, version, vuln }) => `${name} ${version} ${vuln}`).sort();

test('a small zip loads, audits with zero requests, survives a reload, and the switch goes back online', async () => {
  const { page, problems, requests } = await openPage(browser);
  assert.deepEqual(await offlineStatus(page).then(({ state, records }) => ({ state, records })), { state: 'empty', records: 0 });
  assert.equal(await page.isChecked('[data-testid=offline-mode]'), false);

  // The online audit first, as the reference.
  await paste(page, DEMO_REQUIREMENTS);
  assert.equal(await audit(page), 'done');
  const online = await describeFindings(page);
  const onlineRows = (await dependencies(page)).map((row) => `${row.package} ${row.state}`);
  assert.ok(online.length >= 3, online.join('\n'));
  assert.ok((await apiLog()).length > 0, 'the online audit asked the local API');

  const status = await chooseArchive(page, SMALL_ZIP);
  assert.equal(status.state, 'ready', status.text);
  assert.equal(status.records, fixtureRecords.length);
  assert.equal(await page.isChecked('[data-testid=offline-mode]'), true, 'loading a database switches offline mode on');
  const age = await page.textContent('[data-testid=offline-db-age]');
  assert.match(age, new RegExp(`^${NEWEST_DAY}, \\d+ days? old$`));

  await control({});
  const before = requests.length;
  assert.equal(await audit(page), 'done');
  assert.deepEqual(await describeFindings(page), online, 'offline findings equal online findings');
  assert.deepEqual(requests.slice(before).map((request) => request.url), [], 'the page made no request');
  assert.deepEqual(await apiLog(), [], 'the OSV API received nothing');
  assert.deepEqual(await pypiLog(), [], 'PyPI received nothing');
  const rows = (await dependencies(page)).map((row) => `${row.package} ${row.state}`);
  assert.deepEqual(rows, onlineRows);
  assert.deepEqual(rows.slice(0, 3), ['osv-lens-demo vulnerable', 'osv-lens-other vulnerable', 'osv-lens-demo-clean clean']);

  // After a reload the database comes back from IndexedDB, and offline audits still send nothing.
  await page.reload();
  assert.equal((await waitForDatabase(page)).state, 'ready');
  assert.equal((await offlineStatus(page)).records, fixtureRecords.length);
  assert.equal(await page.isChecked('[data-testid=offline-mode]'), true);
  await control({});
  const afterReload = requests.length;
  assert.equal(await audit(page), 'done');
  assert.deepEqual(await describeFindings(page), online);
  assert.deepEqual(requests.slice(afterReload).map((request) => request.url), []);
  assert.deepEqual(await apiLog(), []);

  // Switched off, audits ask the OSV API again.
  await page.uncheck('[data-testid=offline-mode]');
  await control({});
  assert.equal(await audit(page), 'done');
  assert.deepEqual(await describeFindings(page), online);
  assert.ok((await apiLog()).some((entry) => entry.path === '/v1/querybatch'), 'online again');

  // Removed, it is gone after a reload too.
  await page.check('[data-testid=offline-mode]');
  await page.click('[data-testid=offline-db-remove]');
  await page.waitForSelector('[data-testid=offline-db-status][data-state=empty]');
  assert.equal(await page.isChecked('[data-testid=offline-mode]'), false);
  await page.reload();
  await page.waitForSelector('[data-testid=offline-db-status]');
  await page.waitForTimeout(500);
  assert.equal((await offlineStatus(page)).state, 'empty');
  assert.deepEqual(problems, []);
  await page.close();
});

test('offline mode without a database refuses to audit rather than going online', async () => {
  const { page, requests } = await openPage(browser);
  await page.check('[data-testid=offline-mode]');
  await paste(page, DEMO_REQUIREMENTS);
  const before = requests.length;
  assert.equal(await audit(page), 'error');
  assert.match(await page.textContent('[data-testid=status]'), /no offline database is loaded/);
  assert.deepEqual(requests.slice(before).map((request) => request.url), []);
  assert.deepEqual(await apiLog(), []);
  await page.close();
});

test('unreadable records are counted and left out; the rest loads', async () => {
  const entries = fixtureNames.slice(0, 3).map((name) => ({ name, data: readFileSync(join(OSV_FIXTURES, name)) }));
  entries.push({ name: 'broken.json', data: Buffer.from('{"id": "BROKEN", ') });
  entries.push({ name: 'README.md', data: Buffer.from('not a record') });
  const { page } = await openPage(browser);
  const status = await chooseArchive(page, writeZip('partly-broken.zip', entries));
  assert.equal(status.state, 'ready', status.text);
  assert.equal(status.records, 3);
  assert.match(status.text, /1 entry is not a readable OSV record and was left out: broken\.json: not an OSV record/);
  await page.close();
});

test('a corrupt zip is an error with a message, and the switch stays off', async () => {
  const { page, problems } = await openPage(browser);
  const good = zipOf([{ name: 'A.json', data: readFileSync(join(OSV_FIXTURES, fixtureNames[0])) }]);
  const corrupt = join(FOLDER, 'corrupt.zip');
  writeFileSync(corrupt, good.subarray(0, good.length - 12));
  const status = await chooseArchive(page, corrupt);
  assert.equal(status.state, 'error');
  assert.equal(status.records, 0);
  assert.match(status.text, /`corrupt\.zip`: the file is not a readable zip archive \(/);
  assert.equal(await page.isChecked('[data-testid=offline-mode]'), false, 'a failed load leaves the switch as it was');
  assert.deepEqual(problems, []);
  await page.close();
});

/** Audits a small file online: proof that the page still answers after a refusal. */
async function assertResponsive(page) {
  const started = Date.now();
  assert.equal(await page.evaluate(() => 1 + 1), 2);
  await paste(page, 'osv-lens-demo-clean==1.0\n');
  assert.equal(await audit(page, { timeout: 10_000 }), 'done');
  return Date.now() - started;
}

test('a zip bomb and a 50 MB zip are refused with a message, and the page stays responsive', async () => {
  const { page, problems } = await openPage(browser);
  // 20 MB of blanks deflate to about 20 KB.
  const bomb = writeZip('bomb.zip', [{ name: 'PYSEC-0000-0.json', data: Buffer.alloc(20_000_000, 0x20) }]);
  const refusedBomb = await chooseArchive(page, bomb);
  assert.equal(refusedBomb.state, 'error');
  assert.match(refusedBomb.text, /`PYSEC-0000-0\.json` inflates \d+ times its compressed size \(more than 100\); it looks like a zip bomb/);
  console.log(`# after the bomb: an audit took ${await assertResponsive(page)} ms`);

  // 50,000,000 bytes, stored: a real zip, refused by its size before it is read.
  const overhead = 30 + 46 + 22 + 2 * 'large.json'.length; // two headers with the name, and the end record
  const large = writeZip('large.zip', [{ name: 'large.json', data: Buffer.alloc(50_000_000 - overhead, 0x20), method: 0 }]);
  assert.equal(readFileSync(large).length, 50_000_000);
  const refusedLarge = await chooseArchive(page, large);
  assert.equal(refusedLarge.state, 'error');
  assert.match(refusedLarge.text, /`large\.zip`: the file is 50\.0 MB; an offline database must be smaller than 50\.0 MB/);
  console.log(`# after the 50 MB zip: an audit took ${await assertResponsive(page)} ms`);
  assert.deepEqual(problems, []);
  await page.close();
});

/** The page's JS heap (CDP Performance.getMetrics) and the wasm memory (every WebAssembly.Memory, found with
 * Runtime.queryObjects), in MB. */
async function memory(page) {
  const session = await page.context().newCDPSession(page);
  await session.send('Performance.enable');
  await session.send('HeapProfiler.collectGarbage');
  const { metrics } = await session.send('Performance.getMetrics');
  const heap = metrics.find((metric) => metric.name === 'JSHeapUsedSize').value;
  const { result: prototype } = await session.send('Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype' });
  const { objects } = await session.send('Runtime.queryObjects', { prototypeObjectId: prototype.objectId });
  const { result } = await session.send('Runtime.callFunctionOn', {
    objectId: objects.objectId,
    functionDeclaration: 'function () { return this.reduce((sum, memory) => sum + memory.buffer.byteLength, 0); }',
    returnByValue: true,
  });
  await session.detach();
  return { heap: heap / 1e6, wasm: result.value / 1e6 };
}

test('real data: the 7,080-record all.zip loads in the page, agrees with the API, and is measured', async () => {
  needRealData();
  const { page, problems, requests } = await openPage(browser);
  const before = await memory(page);
  // The longest gap between timer ticks while loading: how long the page could not answer.
  await page.evaluate(() => {
    window.__osvLensGaps = { last: performance.now(), longest: 0 };
    window.__osvLensTicker = setInterval(() => {
      const now = performance.now();
      window.__osvLensGaps.longest = Math.max(window.__osvLensGaps.longest, now - window.__osvLensGaps.last);
      window.__osvLensGaps.last = now;
    }, 10);
  });
  const started = Date.now();
  const status = await chooseArchive(page, join(SHARED_DATA, 'osv-pypi/all.zip'));
  const loadMs = Date.now() - started;
  const longestGap = await page.evaluate(() => { clearInterval(window.__osvLensTicker); return window.__osvLensGaps.longest; });
  assert.equal(status.state, 'ready', status.text);
  assert.equal(status.records, 7_080);
  const loaded = await memory(page);
  console.log(`# all.zip: ready in ${loadMs} ms; longest pause of the page while loading ${longestGap.toFixed(0)} ms`);
  console.log(`# memory before: JS heap ${before.heap.toFixed(1)} MB, wasm ${before.wasm.toFixed(1)} MB; `
    + `loaded: JS heap ${loaded.heap.toFixed(1)} MB, wasm ${loaded.wasm.toFixed(1)} MB, `
    + `total ${(loaded.heap + loaded.wasm).toFixed(1)} MB (budgets: 3 s, 150 MB)`);

  // The benchmark's 348 pins, offline, with no request; then online against the local API: the same findings.
  await page.setInputFiles('[data-testid=file-input]', BENCH_REQUIREMENTS);
  await page.waitForSelector('[data-testid=dependency]');
  const auditStarted = Date.now();
  await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.dataset.state === 'done');
  console.log(`# offline audit of 348 pins: ${Date.now() - auditStarted} ms (after the file was read)`);
  const requestsBefore = requests.length;
  const offline = await describeFindings(page);
  assert.ok(offline.length > 100, `${offline.length} findings`);
  assert.deepEqual(await apiLog(), []);

  // Reopened (the database comes back from IndexedDB), then audited online against the local API. Release lists
  // are switched off for the comparison: the local PyPI endpoint only knows the project's own fixture packages.
  const reloadStarted = Date.now();
  await page.goto(`${BASE}/?pypi=off`, { waitUntil: 'domcontentloaded' });
  assert.equal((await waitForDatabase(page)).records, 7_080);
  console.log(`# all.zip from IndexedDB after a reload: ready in ${Date.now() - reloadStarted} ms`);
  await page.uncheck('[data-testid=offline-mode]');
  await control({});
  assert.equal(await audit(page, { timeout: 300_000 }), 'done');
  assert.ok((await apiLog()).length > 0);
  assert.deepEqual(await describeFindings(page), offline, 'offline and online audits of the benchmark agree');
  assert.ok(requests.length > requestsBefore);
  assert.deepEqual(problems, []);
  await page.close();
});
