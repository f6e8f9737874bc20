// Range audits end to end, with resolution switched off (`?resolve=off`): unpinned requirements are looked up
// without a version, evaluated against the local index's release lists, and reported as ranges, never as if pinned.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import { BASE, apiLog, audit, control, dependencies, findings, launch, openPage, paste, pypiLog } from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await control({}); });

/** Every range verdict, by the package of its row. */
async function verdicts(page) {
  return page.$$eval('[data-testid=dependency]', (rows) => Object.fromEntries(rows
    .filter((row) => row.querySelector('[data-testid=range-verdict]'))
    .map((row) => {
      const verdict = row.querySelector('[data-testid=range-verdict]');
      return [`${row.dataset.package} ${row.dataset.version}`, {
        state: verdict.dataset.state, safe: verdict.dataset.safe, lowerBound: verdict.dataset.lowerBound,
        text: verdict.textContent,
      }];
    })));
}

test('ranges are audited against every advisory and PyPI releases, and keep the specifier as written', async () => {
  const { page, problems } = await openPage(browser, '?resolve=off');
  await paste(page, [
    'osv-lens-demo>=1.3,<1.4',
    'osv-lens-other >= 2.0   # some affected',
    'osv-lens-demo-clean>=1.0',
    'osv-lens-demo>=1.3.5',
  ].join('\n'));
  assert.equal(await audit(page), 'done');

  const rows = await dependencies(page);
  assert.deepEqual(rows.map(({ package: name, version, state }) => ({ name, version, state })), [
    { name: 'osv-lens-demo', version: '>=1.3,<1.4', state: 'vulnerable' },
    { name: 'osv-lens-other', version: '>= 2.0', state: 'vulnerable' },
    { name: 'osv-lens-demo-clean', version: '>=1.0', state: 'clean' },
    { name: 'osv-lens-demo', version: '>=1.3.5', state: 'vulnerable' },
  ]);
  assert.match(rows[0].text, /range >=1\.3,<1\.4/);

  // Findings carry the specifier, never a single version.
  // The findings list is sorted by severity, so compare as a set.
  const found = await findings(page);
  assert.deepEqual(found.map(({ package: name, version, vuln }) => `${name} ${version} ${vuln}`).sort(), [
    'osv-lens-demo >=1.3,<1.4 OSVLENS-TEST-1',
    'osv-lens-demo >=1.3,<1.4 OSVLENS-TEST-2',
    'osv-lens-demo >=1.3.5 OSVLENS-TEST-1',
    'osv-lens-other >= 2.0 OSVLENS-TEST-4',
  ]);
  const second = found.find((finding) => finding.version === '>=1.3,<1.4' && finding.vuln === 'OSVLENS-TEST-2');
  assert.match(second.text, /affects 1\.3\.0, 1\.3\.2 of the versions >=1\.3,<1\.4 allows/);

  const verdict = await verdicts(page);
  // 1.3.0, 1.3.2 and 1.3.5 are PyPI's releases inside the range; OSVLENS-TEST-1 (fixed in 1.4.0) affects them all.
  assert.equal(verdict['osv-lens-demo >=1.3,<1.4'].state, 'all');
  assert.match(verdict['osv-lens-demo >=1.3,<1.4'].text, /Every version this range allows is affected \(3: 1\.3\.0, 1\.3\.2, 1\.3\.5\)/);
  // 2.0 and 2.5 are affected (last_affected 2.5); PyPI's 2.6 is safe.
  assert.deepEqual(verdict['osv-lens-other >= 2.0'], {
    state: 'some', safe: '2.6', lowerBound: '2.6', text: verdict['osv-lens-other >= 2.0'].text,
  });
  assert.match(verdict['osv-lens-other >= 2.0'].text, /2 of the 3 versions this range allows are affected \(2\.0, 2\.5\)\. Safe: 2\.6\. Lowest safe lower bound: >=2\.6/);
  // 1.4.0 is yanked and 2.0.0rc1 a pre-release: neither counts, so the lowest safe bound is 1.4.1.
  assert.deepEqual([verdict['osv-lens-demo >=1.3.5'].state, verdict['osv-lens-demo >=1.3.5'].safe,
    verdict['osv-lens-demo >=1.3.5'].lowerBound], ['some', '1.4.1 2.0.0', '1.4.1']);
  assert.match(verdict['osv-lens-demo >=1.3.5'].text, /Checked against PyPI's release list/);
  assert.equal(verdict['osv-lens-demo-clean >=1.0'].state, 'none');

  // The ranges were queried without a version; a release list was fetched once for every name (the flags need them),
  // and the patched file was resolved before it was offered (osv-lens-demo>=2.0.0 resolves to 2.0.0).
  const queries = (await apiLog()).filter((entry) => entry.path === '/v1/querybatch')
    .flatMap((entry) => JSON.parse(entry.body).queries);
  assert.deepEqual(queries.map((query) => [query.package.name, 'version' in query]).sort(),
    [['osv-lens-demo', false], ['osv-lens-demo-clean', false], ['osv-lens-other', false]]);
  await page.waitForSelector('[data-testid=patched-check]');
  const pypi = (await pypiLog()).map((entry) => entry.path).sort();
  assert.deepEqual(pypi, ['/files/osv_lens_demo-2.0.0-py3-none-any.whl.metadata', '/simple/osv-lens-demo-clean/',
    '/simple/osv-lens-demo/', '/simple/osv-lens-other/']);
  assert.deepEqual(problems, []);
  await page.close();
});

test('when PyPI fails, ranges are checked on the versions the advisories name, and the page says so', async () => {
  await control({ faults: [{ kind: 'status', status: 503, path_prefix: '/simple/' }] });
  const { page } = await openPage(browser, '?resolve=off');
  await paste(page, 'osv-lens-other>=2.0\nosv-lens-demo>=1.3.5\n');
  assert.equal(await audit(page, { timeout: 120_000 }), 'done');
  const rows = await dependencies(page);
  assert.deepEqual(rows.map((row) => [row.version, row.state]), [['>=2.0', 'vulnerable'], ['>=1.3.5', 'vulnerable']]);
  const verdict = await verdicts(page);
  // Without PyPI's 2.6, the advisory's own versions (2.0 and 2.5) are all this range is known to allow.
  assert.equal(verdict['osv-lens-other >=2.0'].state, 'all');
  assert.match(verdict['osv-lens-other >=2.0'].text,
    /PyPI's release list was not available \(PyPI answered HTTP 503\): checked only against the versions the advisories and the specifier name/);
  // Without the release list, the yanked 1.4.0 cannot be told apart: it is the advisory's fixed version.
  assert.equal(verdict['osv-lens-demo >=1.3.5'].lowerBound, '1.4.0');
  assert.ok((await pypiLog()).length >= 2, 'PyPI was asked, and retried');
  await page.close();
});

test('?pypi=off sends nothing to PyPI, and ?pypi= points at another PyPI', async () => {
  const off = await openPage(browser, '?pypi=off&resolve=off');
  await paste(off.page, 'osv-lens-other>=2.0\n');
  assert.equal(await audit(off.page), 'done');
  assert.deepEqual(await pypiLog(), []);
  assert.ok(off.requests.every((request) => !request.url.includes('/simple/')));
  assert.match((await verdicts(off.page))['osv-lens-other >=2.0'].text, /PyPI lookups are switched off/);
  await off.page.close();

  await control({});
  const elsewhere = await openPage(browser, `?resolve=off&pypi=${encodeURIComponent(`${BASE}/mirror`)}`);
  await paste(elsewhere.page, 'osv-lens-other>=2.0\n');
  assert.equal(await audit(elsewhere.page), 'done');
  assert.ok(elsewhere.requests.some((request) => request.url === `${BASE}/mirror/simple/osv-lens-other/`));
  assert.deepEqual(await pypiLog(), [], 'the default PyPI was not asked');
  assert.match((await verdicts(elsewhere.page))['osv-lens-other >=2.0'].text, /PyPI does not know this package/);
  await elsewhere.page.close();
});

test('a failed range lookup is unchecked, never clean', async () => {
  await control({ faults: [{ kind: 'status', status: 503, path_prefix: '/v1/querybatch' }] });
  const { page } = await openPage(browser, '?resolve=off');
  await paste(page, 'osv-lens-demo-clean>=1.0\n');
  assert.equal(await audit(page, { timeout: 120_000 }), 'done');
  const [row] = await dependencies(page);
  assert.equal(row.state, 'unchecked');
  assert.equal(row.version, '>=1.0');
  assert.doesNotMatch(await page.textContent('[data-testid=status]'), /no known vulnerabilities/i);
  await page.close();
});
