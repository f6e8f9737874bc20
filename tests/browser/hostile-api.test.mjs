// An API that never stops paging and an endpoint the page may not reach: the audit ends, and every row says why it
// was not checked.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import { BASE, apiLog, audit, control, dependencies, launch, openPage, paste } from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await control({}); });

test('an API that always sends another page is followed 100 pages, then the package is unchecked', async () => {
  await control({ faults: [{ kind: 'endless-pages' }] });
  const { page, problems } = await openPage(browser, '?pypi=off');
  await paste(page, 'osv-lens-demo==1.3.2\n');
  const started = Date.now();
  assert.equal(await audit(page, { timeout: 60_000 }), 'done');
  const rows = await dependencies(page);
  assert.deepEqual(rows.map((row) => row.state), ['unchecked']);
  assert.match(rows[0].text, /past 100 pages/);
  const sent = (await apiLog()).length;
  assert.ok(sent <= 110, `the paging stopped: ${sent} requests`);
  assert.ok(Date.now() - started < 30_000);
  assert.doesNotMatch(await page.textContent('[data-testid=status]'), /no known vulnerabilities/i);
  assert.deepEqual(problems, []);
  await page.close();
});

test('with an endpoint the page may not reach, every row says it was not looked up and why', async () => {
  const blocked = BASE.replace('127.0.0.1', 'localhost');
  const { page } = await openPage(browser, `?osv=${encodeURIComponent(blocked)}`);
  await paste(page, 'osv-lens-demo-clean==1.0\nosv-lens-demo==1.3.2\n');
  assert.equal(await audit(page), 'error');
  const rows = await dependencies(page);
  assert.equal(rows.length, 2);
  for (const row of rows) {
    assert.equal(row.state, 'unchecked');
    assert.match(row.text, /not looked up/);
    assert.doesNotMatch(row.text, /checking/i);
  }
  await page.close();
});
