// The package index is asked as little as the answer allows (issue 21): project pages and metadata files are kept in
// memory and in IndexedDB by the package-index worker. A re-audit in the same page asks the index nothing; after a
// reload, pages still fresh are not asked for, and stale ones only by conditional requests, answered 304.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, test } from 'node:test';

import { apiLog, audit, control, dependencies, launch, openPage, paste, pypiLog } from './harness.mjs';

const CASE = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/resolution/ranges');
const INPUT = readFileSync(join(CASE, 'requirements.in'), 'utf8');
const QUERY = '?python=3.12&platform=linux&as-of=2025-06-01';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await control({}); });

test('a re-audit in the same page sends one OSV request and no index request', async () => {
  const { page, problems } = await openPage(browser, QUERY);
  await paste(page, INPUT);
  assert.equal(await audit(page), 'done');
  const first = await pypiLog();
  assert.ok(first.filter((entry) => entry.path.startsWith('/simple/')).length >= 12, 'every project page asked once');
  assert.ok(first.some((entry) => entry.path.startsWith('/files/')), 'metadata files asked');
  const rows = (await dependencies(page)).length;

  await control({});
  assert.equal(await audit(page), 'done');
  assert.deepEqual(await pypiLog(), []);
  assert.ok((await apiLog()).length <= 1, 'at most one OSV request');
  assert.equal((await dependencies(page)).length, rows, 'the same tree');
  assert.deepEqual(problems, []);
  await page.close();
});

test('after a reload, pages still fresh are not asked for again', async () => {
  const context = await browser.browser.newContext();
  try {
    // Pages that are fresh for ten minutes (PyPI's lifetime): after a reload, nothing is asked again.
    let { page, problems } = await openPage(browser, QUERY, { context });
    await paste(page, INPUT);
    assert.equal(await audit(page), 'done');
    await page.close();
    await control({});
    ({ page, problems } = await openPage(browser, QUERY, { context }));
    await paste(page, INPUT);
    assert.equal(await audit(page), 'done');
    assert.deepEqual(await pypiLog(), [], 'fresh pages and metadata files come from IndexedDB');
    assert.equal((await dependencies(page)).length, 12);
    await page.close();

  } finally {
    await context.close();
  }
});

test('pages the index says are stale at once are revalidated after a reload, and the 304s keep the tree', async () => {
  const context = await browser.browser.newContext();
  try {
    await control({ index_max_age: 0 });
    const { page, problems } = await openPage(browser, QUERY, { context });
    await paste(page, INPUT);
    assert.equal(await audit(page), 'done');
    await page.close();
    await control({ index_max_age: 0 });
    const reopened = await openPage(browser, QUERY, { context });
    await paste(reopened.page, INPUT);
    assert.equal(await audit(reopened.page), 'done');
    const log = await pypiLog();
    assert.ok(log.length >= 12, `the stale pages were revalidated (${log.length} requests)`);
    for (const entry of log) {
      assert.match(entry.path, /^\/simple\//, 'metadata files never change, so they are never asked again');
      assert.ok(entry.if_none_match, `${entry.path} is a conditional request`);
      assert.equal(entry.status, 304, entry.path);
    }
    assert.equal((await dependencies(reopened.page)).length, 12);
    assert.deepEqual([...problems, ...reopened.problems], []);
    await reopened.page.close();
  } finally {
    await context.close();
  }
});
