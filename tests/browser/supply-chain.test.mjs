// Beyond CVEs (issue 22): malicious packages as their own kind of finding, the package index's flags on each row
// (yanked pin, project status, not on the index), one index request per name after `done`, and withdrawn records.
// The malicious record is made up (tests/fixtures/osv/MAL-2099-1.json); the index pages are the made-up projects of
// tests/fixtures/index/made-up, served by the local index.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import {
  apiLog, audit, control, dependencies, exportFile, findings, launch, openPage, paste, pypiLog, waitForEnd,
} from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await control({}); });

/** Each row's flags, by package. */
async function flags(page) {
  return Object.fromEntries((await dependencies(page)).map((row) => [row.package, row.flags.join(' ')]));
}

/** Each row's flag sentences, by package then flag. */
async function sentences(page) {
  return page.$$eval('[data-testid=dependency]', (rows) => Object.fromEntries(rows.map((row) => [row.dataset.package,
    Object.fromEntries([...row.querySelectorAll('[data-testid=flag]')].map((node) => [node.dataset.flag, node.textContent]))])));
}

test('a malicious package is its own finding, first, with the advice to remove it, in no fix plan and every export', async () => {
  const { page, problems } = await openPage(browser);
  await paste(page, 'osv-lens-demo==1.3.2\nosv-lens-typosquat==0.1.0\n');
  assert.equal(await audit(page), 'done');
  const found = await findings(page);
  assert.equal(found[0].vuln, 'MAL-2099-1', 'first, above every severity');
  assert.equal(found[0].kind, 'malicious');
  assert.ok(found.slice(1).length > 0 && found.slice(1).every((finding) => finding.kind === 'vulnerability'));
  assert.match(found[0].text, /Remove it, check every machine it was installed on, and rotate the secrets/);
  assert.doesNotMatch(found[0].text, /Fixed in|No fixed version|Upgrade/);
  // The severity filter never hides it: hide critical and unknown findings (its record gives no severity).
  for (const rating of ['critical', 'unknown']) await page.click(`[data-testid=filter-severity-${rating}]`);
  const filtered = await findings(page);
  assert.ok(filtered.some((finding) => finding.vuln === 'MAL-2099-1'), 'still shown');
  assert.ok(!filtered.some((finding) => finding.vuln === 'OSVLENS-TEST-1'), 'a critical one is hidden');
  for (const rating of ['critical', 'unknown']) await page.click(`[data-testid=filter-severity-${rating}]`);
  // The row: flagged malicious (and, being nowhere on the index, not on PyPI), with the advice, and no fix plan.
  const rows = await flags(page);
  assert.equal(rows['osv-lens-typosquat'], 'malicious not-on-pypi');
  assert.match((await sentences(page))['osv-lens-typosquat'].malicious, /malicious package \(MAL-2099-1\)\. .*Remove it/);
  const plans = await page.$$eval('[data-testid=fix-plan]', (nodes) => nodes.map((node) => [node.dataset.package, node.dataset.target]));
  assert.deepEqual(plans, [['osv-lens-demo', '1.4.1']], 'no plan for the malicious package; the yanked 1.4.0 is stepped over');
  assert.match(await page.textContent('[data-testid=status]'), /1 package is malicious/);

  const sarif = JSON.parse((await exportFile(page, 'sarif')).text);
  const result = sarif.runs[0].results.find((entry) => entry.ruleId === 'MAL-2099-1');
  assert.equal(result.level, 'error');
  assert.match(result.message.text, /malicious package MAL-2099-1\. .*Remove it/);
  const bom = JSON.parse((await exportFile(page, 'cyclonedx')).text);
  const vuln = bom.vulnerabilities.find((entry) => entry.id === 'MAL-2099-1');
  assert.deepEqual(vuln.cwes, [506]);
  assert.match(vuln.recommendation, /Remove it/);
  const json = JSON.parse((await exportFile(page, 'json')).text);
  const typosquat = json.dependencies.find((entry) => entry.name === 'osv-lens-typosquat');
  assert.deepEqual(typosquat.vulns.map((entry) => [entry.id, entry.fix_versions]), [['MAL-2099-1', []]]);
  const markdown = (await exportFile(page, 'markdown')).text;
  assert.ok(markdown.indexOf('### Malicious packages (1)') < markdown.indexOf('### What to change'), markdown);
  assert.match(markdown, /^\| `osv-lens-typosquat` \| .* \| remove it \|/m);
  assert.match(markdown, /^- \[MAL-2099-1\]\(https:\/\/osv\.dev\/vulnerability\/MAL-2099-1\)/m);
  assert.deepEqual(problems, []);
  await page.close();
});

test('rows carry the index flags with a sentence each, asked once per name after done', async () => {
  // The index answers slowly, so that `done` is seen before any flag.
  await control({ index_latency_ms: 1500 });
  const { page, problems } = await openPage(browser);
  const names = ['osv-lens-demo', 'osv-lens-archived', 'osv-lens-quarantined', 'osv-lens-deprecated', 'osv-lens-active',
    'osv-lens-not-a-real-name'];
  await paste(page, ['osv-lens-demo==1.4.0', 'osv-lens-archived==1.0.0', 'osv-lens-quarantined==1.0.0',
    'osv-lens-deprecated==1.0.0', 'osv-lens-active==1.0.0', 'osv-lens-not-a-real-name==1.0', 'osv-lens-demo==1.4.0', ''].join('\n'));
  const previous = await page.getAttribute('[data-testid=status]', 'data-run');
  await page.click('[data-testid=audit]');
  assert.equal(await waitForEnd(page, 60_000, previous, { fixes: false }), 'done');
  assert.equal(await page.getAttribute('[data-testid=status]', 'data-fixes'), 'pending', 'done did not wait for the index');
  assert.ok(Object.values(await flags(page)).every((value) => value === ''), 'no flag before the index answers');
  await waitForEnd(page, 60_000, previous);
  assert.deepEqual(await flags(page), {
    'osv-lens-demo': 'yanked', 'osv-lens-archived': 'archived', 'osv-lens-quarantined': 'quarantined',
    'osv-lens-deprecated': 'deprecated', 'osv-lens-active': '', 'osv-lens-not-a-real-name': 'not-on-pypi',
  });
  const said = await sentences(page);
  assert.equal(said['osv-lens-demo'].yanked, '`osv-lens-demo 1.4.0` is yanked on the index: made-up: broken upload');
  assert.match(said['osv-lens-archived'].archived, /is archived.*: made-up: the maintainers archived this project/);
  assert.match(said['osv-lens-quarantined'].quarantined, /quarantined/);
  assert.match(said['osv-lens-deprecated'].deprecated, /deprecated/);
  assert.match(said['osv-lens-not-a-real-name']['not-on-pypi'], /not on the index: a private package or a typo.*dependency confusion/);
  const row = (await dependencies(page)).find((entry) => entry.package === 'osv-lens-not-a-real-name');
  assert.equal(row.state, 'clean', 'OSV knows nothing of it');
  assert.match(row.text, /not on the index/, 'but never shown as plainly clean');
  assert.doesNotMatch(await page.textContent('[data-testid=status]'), /no known vulnerabilities/i);
  assert.match(await page.textContent('[data-testid=status]'), /1 not on the package index/);
  // One request per name (the repeated pin is asked once), each listed in "What was sent".
  const asked = (await pypiLog()).map((entry) => entry.path).sort();
  assert.deepEqual(asked, names.map((name) => `/simple/${name}/`).sort());
  await page.click('[data-testid=sent-log] > summary');
  const sent = await page.$$eval('[data-testid=sent-request]', (nodes) => nodes.map((node) => node.dataset.url));
  for (const name of names) assert.ok(sent.some((url) => url.endsWith(`/simple/${name}/`)), `${name} in What was sent`);
  // A re-audit asks the index nothing: the release lists are cached.
  await control({});
  assert.equal(await audit(page), 'done');
  assert.deepEqual(await pypiLog(), []);
  assert.equal((await flags(page))['osv-lens-archived'], 'archived');
  assert.deepEqual(problems, []);
  await page.close();
});

test('?pypi=off sends no name to the index and no index flag is shown', async () => {
  const { page, requests } = await openPage(browser, '?pypi=off');
  await paste(page, 'osv-lens-archived==1.0.0\nosv-lens-not-a-real-name==1.0\nosv-lens-typosquat==0.1.0\n');
  assert.equal(await audit(page), 'done');
  assert.deepEqual(await pypiLog(), []);
  assert.ok(requests.every((request) => !request.url.includes('/simple/')));
  assert.deepEqual(await flags(page),
    { 'osv-lens-archived': '', 'osv-lens-not-a-real-name': '', 'osv-lens-typosquat': 'malicious' });
  await page.close();
});

test('a record withdrawn after querybatch listed it never becomes a finding', async () => {
  // The local API marks every record it serves as withdrawn; querybatch still lists them.
  await control({ faults: [{ kind: 'withdrawn', path_prefix: '/v1/' }] });
  const { page, problems } = await openPage(browser, '?pypi=off');
  await paste(page, 'osv-lens-demo==1.3.2\n');
  assert.equal(await audit(page), 'done');
  const fetched = (await apiLog()).filter((entry) => entry.path !== '/v1/querybatch');
  assert.ok(fetched.length > 0, 'the records were fetched');
  assert.deepEqual(await findings(page), []);
  assert.deepEqual((await dependencies(page)).map((row) => row.state), ['clean']);
  // The same audit without the fault finds them: the test can fail.
  await control({});
  const again = await openPage(browser, '?pypi=off');
  await paste(again.page, 'osv-lens-demo==1.3.2\n');
  assert.equal(await audit(again.page), 'done');
  assert.ok((await findings(again.page)).length > 0);
  assert.deepEqual(problems, []);
  await page.close();
  await again.page.close();
});
