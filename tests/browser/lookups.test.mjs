// Lookups as good as the best clients: paging, the record cache in IndexedDB (warm re-audits, clearing, a full
// disk), the record plan, persisted settings and the endpoint's Content Security Policy check, the "what was sent"
// panel, "retry unchecked", and a new audit cancelling the old one. Against the local OSV API, in real Chromium.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, test } from 'node:test';

import {
  BASE, apiLog, audit, control, dependencies, findings, launch, needRealData, openPage, paste, recordedPypiAnswers,
  waitForEnd,
} from './harness.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const BENCH = readFileSync(join(HERE, '..', 'fixtures', 'bench', 'requirements.txt'), 'utf8');

// Our own records: osv-lens-demo 1.3.2 has OSVLENS-TEST-1 and -2, osv-lens-other 2.1 has OSVLENS-TEST-4.
const INPUT = 'osv-lens-demo==1.3.2\nosv-lens-other==2.1\nosv-lens-demo-clean==1.0\n';
const EXPECTED = [
  'osv-lens-demo 1.3.2 OSVLENS-TEST-1',
  'osv-lens-demo 1.3.2 OSVLENS-TEST-2',
  'osv-lens-other 2.1 OSVLENS-TEST-4',
];

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await control({}); });

/** Findings as sorted `package version id` lines. */
async function findingLines(page) {
  return (await findings(page)).map((finding) => `${finding.package} ${finding.version} ${finding.vuln}`).sort();
}

/** Dependency rows as `package state`, in order. */
async function states(page) {
  return (await dependencies(page)).map((row) => `${row.package} ${row.state}`);
}

/** API requests by kind: querybatch, query, record fetches. */
function kinds(log) {
  return {
    batches: log.filter((entry) => entry.path === '/v1/querybatch'),
    queries: log.filter((entry) => entry.path === '/v1/query'),
    records: log.filter((entry) => entry.method === 'GET' && entry.path.startsWith('/v1/vulns/')),
  };
}

/** The sent panel's plan lines. */
async function plans(page) {
  return page.$$eval('[data-testid=sent-plan]', (nodes) => nodes.map((node) => ({
    plan: node.dataset.plan, requests: Number(node.dataset.requests), cached: Number(node.dataset.cached),
  })));
}

async function openSettings(page) {
  await page.click('[data-testid=settings] > summary');
  await page.waitForSelector('[data-testid=setting-endpoint]', { state: 'visible' });
}

/** The cache count the settings panel shows, once it is known. */
async function cacheCount(page) {
  await page.waitForSelector('[data-testid=cache-count][data-count]');
  return Number(await page.getAttribute('[data-testid=cache-count]', 'data-count'));
}

test('paging: one result per page gives the same findings as no paging', async () => {
  needRealData();
  const real = [...recordedPypiAnswers().keys()].slice(0, 12);
  const input = [INPUT, ...real].join('\n');
  // The real packages have no release lists on the local PyPI endpoint.
  const query = '?pypi=off';

  const whole = await openPage(browser, query);
  await paste(whole.page, input);
  assert.equal(await audit(whole.page), 'done');
  const expected = await findingLines(whole.page);
  const expectedStates = await states(whole.page);
  for (const line of EXPECTED) assert.ok(expected.includes(line), line);
  await whole.page.close();

  await control({ page_size: 1 });
  const paged = await openPage(browser, query);
  await paste(paged.page, input);
  assert.equal(await audit(paged.page, { timeout: 120_000 }), 'done');
  assert.deepEqual(await findingLines(paged.page), expected);
  assert.deepEqual(await states(paged.page), expectedStates);
  const log = await apiLog();
  const followed = log.filter((entry) => entry.body.includes('"page_token"'));
  assert.ok(followed.length > 0, 'the page followed next_page_token');
  assert.deepEqual(paged.problems, []);
  await paged.page.close();
});

test('a warm re-audit sends exactly one request, and no record fetch', async () => {
  const { page, problems } = await openPage(browser);
  await paste(page, INPUT);
  assert.equal(await audit(page), 'done');
  const cold = kinds(await apiLog());
  assert.equal(cold.batches.length, 1);
  assert.ok(cold.records.length + cold.queries.length > 0, 'the cold audit fetched records');
  const expected = await findingLines(page);
  assert.deepEqual(expected, EXPECTED);

  await control({});
  assert.equal(await audit(page), 'done');
  const log = await apiLog();
  assert.deepEqual(log.map((entry) => `${entry.method} ${entry.path}`), ['POST /v1/querybatch']);
  assert.deepEqual(await findingLines(page), expected, 'the same findings from the cache');
  // The details came from the cache too, not only the IDs.
  assert.match((await findings(page)).find((finding) => finding.vuln === 'OSVLENS-TEST-1').text, /crafted header/);
  const [first, second] = await plans(page);
  assert.equal(first.cached, 0);
  assert.deepEqual(second, { plan: 'by-id', requests: 0, cached: 3 });
  assert.deepEqual(problems, []);
  await page.close();
});

test('records of an audit cut short in its index phase by a new one are kept for after a reload', async () => {
  // The index answers slowly: the first audit is still reading release lists when the second starts and cancels it.
  await control({ index_latency_ms: 3000 });
  const context = await browser.browser.newContext();
  const { page } = await openPage(browser, '', { context });
  await paste(page, INPUT);
  const first = await page.getAttribute('[data-testid=status]', 'data-run');
  await page.click('[data-testid=audit]');
  assert.equal(await waitForEnd(page, 60_000, first, { fixes: false }), 'done');
  assert.equal(await page.getAttribute('[data-testid=status]', 'data-fixes'), 'pending');
  const second = await page.getAttribute('[data-testid=status]', 'data-run');
  await page.click('[data-testid=audit]');
  assert.equal(await waitForEnd(page, 60_000, second, { fixes: false }), 'done');
  await page.close();

  await control({});
  const { page: reloaded } = await openPage(browser, '?pypi=off', { context });
  // The kept records are read ahead while the page is idle, and the audit takes them from there.
  await reloaded.waitForFunction(() => performance.getEntriesByName('osv-lens:records-read-ahead').length > 0);
  assert.equal(await audit(reloaded), 'done');
  assert.deepEqual((await apiLog()).map((entry) => `${entry.method} ${entry.path}`), ['POST /v1/querybatch'],
    'after the reload every record came from IndexedDB');
  assert.deepEqual(await findingLines(reloaded), EXPECTED);
  await context.close();
});

test('after a reload, records read ahead are used only while querybatch lists the time they were kept with', async () => {
  const context = await browser.browser.newContext();
  const { page } = await openPage(browser, '?pypi=off', { context });
  await paste(page, INPUT);
  assert.equal(await audit(page), 'done');
  // Once the three records are kept in IndexedDB.
  const kept = () => page.evaluate(() => new Promise((resolve) => {
    const open = indexedDB.open('osv-lens-records');
    open.onsuccess = () => {
      const count = open.result.transaction('records').objectStore('records').count();
      count.onsuccess = () => { open.result.close(); resolve(count.result); };
      count.onerror = () => { open.result.close(); resolve(0); };
    };
    open.onerror = () => resolve(0);
  }));
  for (let tries = 0; (await kept()) !== 3; tries += 1) {
    assert.ok(tries < 100, 'the records are kept within 10 s');
    await page.waitForTimeout(100);
  }
  await page.close();

  // The reloaded page reads the three kept records while idle; then the advisories change upstream.
  const { page: reloaded } = await openPage(browser, '?pypi=off', { context });
  await reloaded.waitForFunction(() => performance.getEntriesByName('osv-lens:records-read-ahead').length > 0);
  await control({ faults: [{ kind: 'modified' }] });
  assert.equal(await audit(reloaded), 'done');
  const changed = kinds(await apiLog());
  assert.equal(changed.batches.length, 1);
  assert.ok(changed.queries.length + changed.records.length > 0, 'records listed with a later time are fetched again');
  assert.deepEqual(await findingLines(reloaded), EXPECTED);
  await context.close();
});

test('clear cache empties it, shows the count, and the next audit fetches records again', async () => {
  const { page } = await openPage(browser);
  await paste(page, INPUT);
  assert.equal(await audit(page), 'done');
  await openSettings(page);
  await page.waitForFunction(() => document.querySelector('[data-testid=cache-count]')?.dataset.count === '3');
  assert.match(await page.textContent('[data-testid=cache-count]'), /3 advisories kept/);

  await page.click('[data-testid=clear-cache]');
  await page.waitForSelector('[data-testid=cache-message]');
  assert.match(await page.textContent('[data-testid=cache-message]'), /Cleared 3 advisories/);
  assert.equal(await cacheCount(page), 0);

  await control({});
  assert.equal(await audit(page), 'done');
  const again = kinds(await apiLog());
  assert.equal(again.records.length + again.queries.length > 0, true, 'records are fetched again');
  assert.deepEqual(await findingLines(page), EXPECTED);
  await page.close();
});

test('a full disk switches the cache off, says so, and the audit still finds everything', async () => {
  const context = await browser.browser.newContext();
  // Fault injection in the browser's storage: every write to IndexedDB is refused as if the quota were used up.
  await context.addInitScript(() => {
    IDBObjectStore.prototype.put = function put() {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
  });
  const { page, problems } = await openPage(browser, '', { context });
  await paste(page, INPUT);
  assert.equal(await audit(page), 'done');
  assert.deepEqual(await findingLines(page), EXPECTED);
  assert.deepEqual(await states(page), ['osv-lens-demo vulnerable', 'osv-lens-other vulnerable', 'osv-lens-demo-clean clean']);
  // The records are saved after the report is shown, so the note can follow the report by a moment.
  const note = page.locator('[data-testid=cache-note]');
  await note.waitFor({ timeout: 5000 });
  assert.ok(await note.isVisible(), 'the page says the cache is off');
  assert.match(await note.textContent(), /Cache off for this session: the browser's storage is full/);

  // The next audit runs without the cache: it fetches the records again and finds the same.
  await control({});
  assert.equal(await audit(page), 'done');
  assert.ok(kinds(await apiLog()).records.length > 0);
  assert.deepEqual(await findingLines(page), EXPECTED);
  assert.deepEqual(problems, []);
  await page.close();
  await context.close();
});

test('settings persist across a reload, and the endpoint setting is the one used', async () => {
  const { page } = await openPage(browser);
  await openSettings(page);
  assert.equal(await page.getAttribute('[data-testid=setting-endpoint]', 'placeholder'), BASE, 'the served API is the default');
  await page.fill('[data-testid=setting-timeout]', '7');
  await page.press('[data-testid=setting-timeout]', 'Tab');
  await page.uncheck('[data-testid=setting-cache]');
  await page.fill('[data-testid=setting-endpoint]', 'not a url');
  await page.press('[data-testid=setting-endpoint]', 'Tab');
  assert.match(await page.textContent('[data-testid=endpoint-error]'), /https:\/\//);
  await page.fill('[data-testid=setting-endpoint]', `${BASE}/mirror/`);
  await page.press('[data-testid=setting-endpoint]', 'Tab');

  await page.reload();
  await page.waitForSelector('[data-testid=status]');
  await openSettings(page);
  assert.equal(await page.inputValue('[data-testid=setting-endpoint]'), `${BASE}/mirror`);
  assert.equal(await page.inputValue('[data-testid=setting-timeout]'), '7');
  assert.equal(await page.isChecked('[data-testid=setting-cache]'), false);

  // The audit goes to the configured endpoint; that path is no OSV API, so nothing is reported clean.
  await paste(page, 'osv-lens-demo-clean==1.0\n');
  assert.equal(await audit(page), 'done');
  const urls = await page.$$eval('[data-testid=sent-request]', (nodes) => nodes.map((node) => node.dataset.url));
  assert.deepEqual(urls.filter((url) => url.includes('/v1/')), [`${BASE}/mirror/v1/querybatch`]);
  // The package index is its own setting: the name goes there once, for the row's flags.
  assert.deepEqual(urls.filter((url) => !url.includes('/v1/')), [`${BASE}/simple/osv-lens-demo-clean/`]);
  assert.deepEqual(await states(page), ['osv-lens-demo-clean unchecked']);
  await page.close();
});

test('?osv= overrides the setting for one page load, and an endpoint the CSP blocks is named, never reported clean', async () => {
  const blocked = BASE.replace('127.0.0.1', 'localhost');
  const { page, requests } = await openPage(browser, `?osv=${encodeURIComponent(blocked)}`);
  await openSettings(page);
  assert.match(await page.textContent('[data-testid=endpoint-override]'), new RegExp(`uses ${blocked}`));
  await paste(page, 'osv-lens-demo-clean==1.0\nosv-lens-demo==1.3.2\n');
  assert.equal(await audit(page), 'error');
  assert.match(await page.textContent('[data-testid=status]'), /Content Security Policy does not allow connections to http:\/\/localhost/);
  assert.deepEqual(await states(page), ['osv-lens-demo-clean unchecked', 'osv-lens-demo unchecked']);
  assert.doesNotMatch(await page.textContent('[data-testid=status]'), /no known vulnerabilities/i);
  assert.equal(requests.filter((request) => request.url.includes('/v1/')).length, 0, 'nothing was sent');
  await page.close();

  // Without ?osv=, the same browser profile uses the default again.
  const plain = await openPage(browser);
  await paste(plain.page, 'osv-lens-demo-clean==1.0\n');
  assert.equal(await audit(plain.page), 'done');
  assert.deepEqual(await states(plain.page), ['osv-lens-demo-clean clean']);
  await plain.page.close();
});

test('the sent panel lists every request with what it carried', async () => {
  const { page, requests } = await openPage(browser);
  await paste(page, INPUT);
  assert.equal(await audit(page), 'done');
  // The last requests of an audit: the patched file's check.
  await page.waitForSelector('[data-testid=patched-check]');
  await page.click('[data-testid=sent-log] > summary');
  const lines = await page.$$eval('[data-testid=sent-request]', (nodes) => nodes.map((node) => ({
    method: node.dataset.method, url: node.dataset.url, text: node.textContent,
  })));
  // The API, the index's pages, and the metadata files of the patched file's check.
  const made = requests.filter((request) => /\/v1\/|\/simple\/|\/files\//.test(request.url));
  assert.deepEqual(lines.map((line) => `${line.method} ${line.url}`).sort(), made.map((request) => `${request.method} ${request.url}`).sort());
  const batch = lines.find((line) => line.url.endsWith('/v1/querybatch'));
  for (const pin of ['osv-lens-demo 1.3.2', 'osv-lens-other 2.1', 'osv-lens-demo-clean 1.0']) {
    assert.ok(batch.text.includes(pin), `${pin} in ${batch.text}`);
  }
  assert.match(batch.text, /\d+ B/, 'the body size');
  const ids = lines.filter((line) => line.url.includes('/v1/vulns/')).map((line) => line.text);
  assert.ok(ids.some((text) => text.includes('OSVLENS-TEST-1')));
  assert.ok(lines.some((line) => line.url.endsWith('/simple/osv-lens-demo/') && line.text.includes('osv-lens-demo')), 'PyPI requests too');
  assert.equal(await page.getAttribute('[data-testid=sent-log]', 'data-count'), String(lines.length));
  await page.close();
});

test('retry unchecked looks up the failed packages again once the fault clears', async () => {
  await control({ faults: [{ kind: 'status', status: 503, path_prefix: '/v1/querybatch' }] });
  const { page } = await openPage(browser);
  await paste(page, 'osv-lens-demo-clean==1.0\nosv-lens-demo==1.3.2\n');
  assert.equal(await audit(page, { timeout: 120_000 }), 'done');
  assert.deepEqual(await states(page), ['osv-lens-demo-clean unchecked', 'osv-lens-demo unchecked']);
  const retry = page.locator('[data-testid=retry-unchecked]');
  assert.ok(await retry.isVisible());

  await control({});
  const previousRun = await page.getAttribute('[data-testid=status]', 'data-run');
  await retry.click();
  assert.equal(await waitForEnd(page, 60_000, previousRun), 'done');
  assert.deepEqual(await states(page), ['osv-lens-demo-clean clean', 'osv-lens-demo vulnerable']);
  assert.deepEqual(await findingLines(page), EXPECTED.slice(0, 2));
  assert.equal(await retry.count(), 0, 'nothing left to retry');
  await page.close();
});

test('retry unchecked asks only for what failed and keeps the rest of the report', async () => {
  await control({ faults: [{ kind: 'status', status: 503, path_prefix: '/v1/vulns/OSVLENS-TEST-2' }] });
  const { page } = await openPage(browser);
  await paste(page, INPUT);
  assert.equal(await audit(page, { timeout: 120_000 }), 'done');
  const failed = (await findings(page)).find((finding) => finding.vuln === 'OSVLENS-TEST-2');
  assert.match(failed.text, /503/);

  await control({});
  const previousRun = await page.getAttribute('[data-testid=status]', 'data-run');
  await page.click('[data-testid=retry-unchecked]');
  assert.equal(await waitForEnd(page, 60_000, previousRun), 'done');
  const log = await apiLog();
  const { batches, records } = kinds(log);
  assert.equal(batches.length, 1);
  assert.match(batches[0].body, /osv-lens-demo"/);
  assert.doesNotMatch(batches[0].body, /osv-lens-other|osv-lens-demo-clean/, 'only the package with a failure');
  assert.deepEqual(records.map((entry) => entry.path), ['/v1/vulns/OSVLENS-TEST-2']);
  assert.deepEqual(await findingLines(page), EXPECTED);
  assert.doesNotMatch((await findings(page)).find((finding) => finding.vuln === 'OSVLENS-TEST-2').text, /503/);
  assert.deepEqual(await states(page), ['osv-lens-demo vulnerable', 'osv-lens-other vulnerable', 'osv-lens-demo-clean clean']);
  await page.close();
});

test('a new audit cancels the old one: only its results show, and the old requests stop', async () => {
  await control({ latency_ms: 1500 });
  const { page } = await openPage(browser);
  const failed = [];
  page.on('requestfailed', (request) => failed.push(request.url()));
  await paste(page, 'osv-lens-demo==1.3.2\n');
  await page.click('[data-testid=audit]');
  await page.waitForFunction(() => document.querySelector('[data-testid=status]')?.dataset.state === 'running');
  // The first querybatch is on the wire; start another audit of something else.
  for (let tries = 0; (await apiLog()).length === 0 && tries < 50; tries += 1) await new Promise((done) => setTimeout(done, 50));
  await paste(page, 'osv-lens-other==2.1\n');
  await page.click('[data-testid=audit]');
  assert.equal(await waitForEnd(page), 'done');
  // Long enough for the first audit's answer to arrive and lead to record fetches, were it still running.
  await new Promise((done) => setTimeout(done, 2500));
  assert.deepEqual(await states(page), ['osv-lens-other vulnerable']);
  assert.deepEqual(await findingLines(page), ['osv-lens-other 2.1 OSVLENS-TEST-4']);
  const log = await apiLog();
  assert.equal(kinds(log).batches.length, 2);
  assert.deepEqual(kinds(log).records.map((entry) => entry.path), ['/v1/vulns/OSVLENS-TEST-4'], 'no fetch of the first audit');
  assert.ok(failed.some((url) => url.endsWith('/v1/querybatch')), 'the first querybatch was aborted');
  await page.close();
});

test('real data: a cold audit of 348 packages picks a plan and shows its progress; the warm one sends one request', async () => {
  needRealData();
  await control({ latency_ms: 40 });
  const { page, problems } = await openPage(browser, '?pypi=off');
  await paste(page, BENCH);
  // Every progress count the status bar shows while the audit runs.
  await page.evaluate(() => {
    window.seenProgress = new Set();
    new MutationObserver(() => {
      for (const count of document.querySelectorAll('.progress-count')) window.seenProgress.add(count.textContent);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await page.click('[data-testid=audit]');
  assert.equal(await waitForEnd(page, 120_000), 'done');
  const expected = await findingLines(page);
  assert.ok(expected.length > 0);
  const [cold] = await plans(page);
  const coldLog = kinds(await apiLog());
  assert.equal(coldLog.batches.length, 1, '348 packages fit one querybatch');
  assert.equal(cold.plan === 'by-package' ? coldLog.queries.length : coldLog.records.length, cold.requests);
  // The record phase's progress counts in the plan's units.
  const unit = cold.plan === 'by-package' ? 'package queries' : 'records';
  const seen = await page.evaluate(() => [...window.seenProgress]);
  assert.ok(seen.some((text) => text.endsWith(`/${cold.requests} ${unit}`)), `${unit} in ${seen.join(', ')}`);

  await control({ latency_ms: 40 });
  assert.equal(await audit(page, { timeout: 120_000 }), 'done');
  assert.deepEqual((await apiLog()).map((entry) => entry.path), ['/v1/querybatch']);
  assert.deepEqual(await findingLines(page), expected);
  assert.deepEqual(problems, []);
  await page.close();
});
