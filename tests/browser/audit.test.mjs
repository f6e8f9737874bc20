// The first capability, end to end: paste a pinned requirements file, audit it against the local OSV API, and see
// the findings.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';

import {
  BASE, apiLog, audit, control, dependencies, findings, launch, needRealData, openPage, paste, recordedPypiAnswers,
  waitForEnd,
} from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await control({}); });

test('the page loads idle, points at the local API, and logs no errors', async () => {
  const { page, problems } = await openPage(browser);
  assert.equal(await page.getAttribute('[data-testid=status]', 'data-state'), 'idle');
  assert.equal(await page.getAttribute('meta[name=osv-lens-endpoint]', 'content'), BASE);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the audit of a built-in example that the page runs once idle after loading stays out of sight', async () => {
  const { page, problems, requests } = await openPage(browser);
  // The page marks its performance timeline once the warm-up has run.
  await page.waitForFunction(() => performance.getEntriesByName('osv-lens:warmed-up', 'mark').length === 1);
  assert.equal(await page.getAttribute('[data-testid=status]', 'data-state'), 'idle');
  assert.equal(await page.locator('[data-testid=dependency], [data-testid=finding]').count(), 0);
  assert.deepEqual(requests.filter(({ url }) => url.includes('/v1/')), []);
  assert.deepEqual(await apiLog(), []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('findings for the demo package match its own records exactly', async () => {
  const { page, problems } = await openPage(browser);
  await paste(page, [
    '# demo requirements',
    'osv-lens-demo==1.3.2   # inside both ranges',
    'OSV_Lens.Other[extra] == 2.1 ; python_version >= "3.8"',
    'osv-lens-demo-clean==1.0',
  ].join('\n'));
  assert.equal(await audit(page), 'done');

  const rows = await dependencies(page);
  assert.deepEqual(rows.map(({ package: name, version, state }) => ({ name, version, state })), [
    { name: 'osv-lens-demo', version: '1.3.2', state: 'vulnerable' },
    { name: 'osv-lens-other', version: '2.1', state: 'vulnerable' },
    { name: 'osv-lens-demo-clean', version: '1.0', state: 'clean' },
  ]);
  const found = await findings(page);
  assert.deepEqual(found.map(({ package: name, version, vuln, aliases }) => ({ name, version, vuln, aliases })), [
    { name: 'osv-lens-demo', version: '1.3.2', vuln: 'OSVLENS-TEST-1', aliases: ['CVE-2099-0001'] },
    { name: 'osv-lens-demo', version: '1.3.2', vuln: 'OSVLENS-TEST-2', aliases: [] },
    { name: 'osv-lens-other', version: '2.1', vuln: 'OSVLENS-TEST-4', aliases: [] },
  ]);
  // Each finding shows its summary, its fixed versions, why it matched, and links to osv.dev.
  assert.match(found[0].text, /crafted header/);
  assert.match(found[0].text, /Fixed in 1\.4\.0/);
  assert.match(found[1].text, /Fixed in 1\.3\.5/);
  assert.match(found[1].text, /introduced 1\.3\.0 → fixed 1\.3\.5/);
  assert.match(found[2].text, /No fixed version yet/);
  const link = await page.getAttribute('[data-vuln=OSVLENS-TEST-1] a.vuln-id', 'href');
  assert.equal(link, 'https://osv.dev/vulnerability/OSVLENS-TEST-1');
  assert.deepEqual(problems, []);
  await page.close();
});

test('lines it cannot use are listed with their line number and reason', async () => {
  const { page } = await openPage(browser);
  await paste(page, 'osv-lens-demo==1.0.0\nthis is not a requirement ===\n-e ./local/project\nosv-lens-demo-clean==2.0\n');
  assert.equal(await audit(page), 'done');
  const rows = await dependencies(page);
  assert.deepEqual(rows.map((row) => row.state), ['vulnerable', 'skipped', 'skipped', 'clean']);
  assert.match(rows[2].text, /editable/);
  const error = await page.textContent('.source-error');
  assert.match(error, /pasted:2:\d+/);
  await page.close();
});

test('a paste is read before the audit: its format, what will be audited and the first problem, with nothing sent', async () => {
  const { page, problems } = await openPage(browser);
  await paste(page, 'osv-lens-demo==1.0.0\nthis is not a requirement ===\n-e ./local/project\nosv-lens-demo-clean==2.0\n');
  const line = await page.waitForSelector('[data-testid=read-ahead]');
  assert.match(await line.textContent(),
    /^pasted: requirements file, 2 dependencies to audit and 2 skipped; 1 problem, the first at line 2, column \d+: /);
  assert.equal(await page.getAttribute('[data-testid=status]', 'data-state'), 'idle', 'reading is not auditing');
  assert.deepEqual(await apiLog(), [], 'nothing was looked up');
  // A change makes the line stale at once; the new text is read in its turn.
  await paste(page, 'osv-lens-demo==1.0.0\n');
  await page.waitForFunction(() => document.querySelector('[data-testid=read-ahead]')?.textContent
    === 'pasted: requirements file, 1 dependency to audit');
  // The audit starts from what was read, and finds the same.
  assert.equal(await audit(page), 'done');
  assert.deepEqual((await dependencies(page)).map((row) => [row.package, row.state]), [['osv-lens-demo', 'vulnerable']]);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a failed lookup marks its packages unchecked, never clean', async () => {
  await control({ faults: [{ kind: 'status', status: 503 }] });
  const { page } = await openPage(browser);
  await paste(page, 'osv-lens-demo-clean==1.0\nosv-lens-demo==1.0.0\n');
  assert.equal(await audit(page, { timeout: 120_000 }), 'done');
  const rows = await dependencies(page);
  assert.deepEqual(rows.map((row) => row.state), ['unchecked', 'unchecked']);
  assert.match(rows[0].text, /503/);
  const status = await page.textContent('[data-testid=status]');
  assert.doesNotMatch(status, /no known vulnerabilities/i);
  assert.ok((await apiLog()).length >= 4, 'the lookup was retried');
  await page.close();
});

test('choosing files audits them, grouped by file', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'osv-lens-files-'));
  const first = join(folder, 'requirements.txt');
  const second = join(folder, 'requirements-dev.txt');
  writeFileSync(first, 'osv-lens-demo==1.2.0\n');
  writeFileSync(second, '\n\nosv-lens-demo-clean==3.0\n');
  const { page } = await openPage(browser);
  await page.setInputFiles('[data-testid=file-input]', [first, second]);
  await page.waitForSelector('[data-testid=dependency]');
  assert.equal(await waitForEnd(page), 'done');
  const headings = await page.$$eval('.file-report h2', (nodes) => nodes.map((node) => node.textContent));
  assert.deepEqual(headings, ['requirements.txt', 'requirements-dev.txt']);
  const rows = await dependencies(page);
  assert.deepEqual(rows.map((row) => [row.package, row.state]), [['osv-lens-demo', 'vulnerable'], ['osv-lens-demo-clean', 'clean']]);
  assert.match(rows[1].text, /3/, 'the row shows its line');
  await page.close();
});

test('the input survives a reload', async () => {
  const { page } = await openPage(browser);
  await paste(page, 'osv-lens-demo==1.0.0  # keep me\n');
  await page.reload();
  await page.waitForSelector('[data-testid=status]');
  assert.equal(await page.inputValue('[data-testid=input]'), 'osv-lens-demo==1.0.0  # keep me\n');
  await page.close();
});

test('real data: findings equal what api.osv.dev answered for the same pins', async () => {
  needRealData();
  const answers = recordedPypiAnswers();
  // Only OSV's answers are compared here; the local PyPI endpoint has release lists for the project's own fixture
  // packages only, so release lists (fix plans) are switched off rather than answered 404.
  const { page, problems } = await openPage(browser, '?pypi=off');
  await paste(page, [...answers.keys()].join('\n'));
  assert.equal(await audit(page), 'done');
  const found = await findings(page);
  const byPin = new Map([...answers.keys()].map((pin) => [pin, []]));
  for (const finding of found) {
    const pin = [...answers.keys()].find((key) => {
      const [name, version] = key.split('==');
      return name.toLowerCase() === finding.package && version === finding.version;
    });
    assert.ok(pin, `a finding for an unknown pin: ${finding.package} ${finding.version}`);
    byPin.get(pin).push(finding.vuln);
  }
  for (const [pin, expected] of answers) {
    assert.deepEqual(byPin.get(pin).sort(), expected, pin);
  }
  const log = await apiLog();
  const batches = log.filter((entry) => entry.path === '/v1/querybatch');
  assert.equal(batches.length, 1, 'one querybatch for a small file');
  // The records come by the plan the audit chose: one GET per record, or one query per affected pin.
  const distinct = new Set(found.map((finding) => finding.vuln));
  const pins = new Set(found.map((finding) => `${finding.package}==${finding.version}`));
  const gets = log.filter((entry) => entry.method === 'GET');
  const queries = log.filter((entry) => entry.path === '/v1/query');
  const plan = await page.getAttribute('[data-testid=sent-plan]', 'data-plan');
  if (plan === 'by-id') {
    assert.equal(gets.length, distinct.size, 'each record fetched once');
  } else {
    assert.equal(plan, 'by-package');
    assert.equal(queries.length, pins.size, 'one query per affected pin');
    assert.equal(gets.length, 0, 'no record left for a GET');
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test('an empty page offers samples; one click audits a sample, and the samples step aside for real input', async () => {
  const { page, problems } = await openPage(browser, '?pypi=off');
  const labels = await page.$$eval('[data-testid=sample]', (buttons) => buttons.map((button) => button.textContent));
  assert.deepEqual(labels, ['requirements.txt', 'uv.lock', 'pyproject.toml (ranges)']);
  await page.click('[data-testid=sample] >> nth=0');
  assert.equal(await waitForEnd(page), 'done');
  assert.match(await page.inputValue('[data-testid=input]'), /django==3\.2\.0/);
  const rows = await dependencies(page);
  assert.deepEqual(rows.map((row) => row.package),
    ['django', 'requests', 'urllib3', 'jinja2', 'pyyaml', 'pillow', 'certifi']);
  needRealData();
  const vulnerable = rows.filter((row) => row.state === 'vulnerable').map((row) => row.package);
  assert.ok(vulnerable.includes('django') && vulnerable.includes('urllib3'), `vulnerable: ${vulnerable}`);
  assert.equal(await page.$('[data-testid=sample]'), null, 'no samples once there is input');
  assert.deepEqual(problems, []);
  await page.close();
});
