// Fault drills: the local OSV API misbehaves in each of the ways a real one can, and every audit still ends with a
// report in which each package is either exactly what a healthy API gives, or unchecked with a reason. A package is
// never reported wrong, and never clean by mistake.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import {
  apiLog, audit, control, dependencies, findings, launch, needRealData, openPage, paste,
} from './harness.mjs';

const OWN_PINS = [
  'osv-lens-demo==1.3.2',
  'osv-lens-demo-clean==2.0',
  'osv-lens-grouped==1.5',
  'osv_lens.other==2.2',
  'osv-lens-major==1.0',
  'osv-lens-xss==3.0',
];

/** Own fixture pins and a slice of the benchmark's real pins (real records), so that drills see many records. */
function drillInput() {
  needRealData();
  const pins = [...OWN_PINS];
  const bench = readFileSync(join(import.meta.dirname, '../fixtures/bench/requirements.txt'), 'utf8');
  const real = bench.split('\n').map((line) => line.trim()).filter((line) => /^[A-Za-z0-9._-]+==[^ ;\\]+/.test(line));
  pins.push(...real.slice(0, 80).map((line) => line.split(/[ ;\\]/)[0]));
  return `${pins.join('\n')}\n`;
}

let browser;
let baseline;

/** Runs one audit of the drill input; returns each package's state and its findings, and the page's status text. */
async function auditOnce() {
  const { page, context, problems } = await openPage(browser, '?pypi=off');
  // A short time-out (a persisted setting) keeps the hang drills quick; the cache stays off so every drill asks.
  await page.evaluate(() => localStorage.setItem('osv-lens.settings.v1', JSON.stringify({ timeout_seconds: 3, cache: false })));
  await page.reload();
  await page.waitForSelector('[data-testid=status]');
  await paste(page, drillInput());
  const state = await audit(page, { timeout: 180_000 });
  const rows = await dependencies(page);
  const found = await findings(page);
  const status = await page.textContent('[data-testid=status]');
  const summary = await page.textContent('#app');
  await context.close();
  const byPackage = new Map(rows.map((row) => [row.package, { state: row.state, text: row.text, vulns: [], ids: [], unavailable: [], details: '' }]));
  for (const finding of found) {
    byPackage.get(finding.package)?.vulns.push(finding.vuln);
    if (/Advisory unavailable/.test(finding.text)) byPackage.get(finding.package)?.unavailable.push(finding.vuln);
    byPackage.get(finding.package)?.ids.push(finding.vuln, ...finding.aliases);
    if (byPackage.has(finding.package)) byPackage.get(finding.package).details += finding.text;
  }
  for (const entry of byPackage.values()) entry.vulns.sort();
  return { state, byPackage, status, summary, problems };
}

/** Every package is as in the healthy baseline, or unchecked with a reason; returns how many were unchecked. */
function assertCorrectOrUnchecked(result, label) {
  assert.equal(result.state, 'done', `${label}: the audit ends`);
  assert.equal(result.byPackage.size, baseline.byPackage.size, `${label}: every package is listed`);
  let unchecked = 0;
  const partial = [];
  for (const [name, expected] of baseline.byPackage) {
    const got = result.byPackage.get(name);
    assert.ok(got, `${label}: ${name} is listed`);
    if (got.state === 'unchecked') {
      unchecked += 1;
      assert.match(got.text, /OSV API|time|answer|record/i, `${label}: ${name} says why it is unchecked`);
      continue;
    }
    assert.equal(got.state, expected.state, `${label}: ${name} is ${expected.state}, not ${got.state}`);
    if (got.unavailable.length > 0) {
      // An advisory whose record could not be fetched (after retries, by package and by ID) is still a real
      // finding, but it cannot be grouped with its aliases: every ID shown must be one of the healthy findings'
      // IDs, every healthy finding must be there under one of its IDs, and the summary must say what is missing.
      partial.push(`${name} (${got.unavailable.join(', ')}: ${got.details.match(/Advisory unavailable[^\n]{0,120}/)?.[0]})`);
      const healthyIds = new Set(expected.ids);
      for (const id of got.vulns) assert.ok(healthyIds.has(id), `${label}: ${name}'s ${id} is a healthy finding's ID`);
      const shown = new Set(got.ids);
      for (const id of expected.vulns) assert.ok(shown.has(id), `${label}: ${name} still shows ${id}`);
      assert.match(result.summary, /could not be fetched/, `${label}: the summary says advisories are missing`);
    } else {
      assert.deepEqual(got.vulns, expected.vulns, `${label}: ${name} has the healthy API's findings (${got.details.slice(0, 300)})`);
    }
  }
  if (partial.length > 0) console.log(`${label}: advisories that could not be fetched: ${partial.join('; ')}`);
  if (unchecked > 0) {
    assert.doesNotMatch(result.summary, /no known vulnerabilities/i, `${label}: no all-clear while anything is unchecked`);
  }
  return unchecked;
}

before(async () => {
  browser = await launch();
  await control({});
  baseline = await auditOnce();
  assert.equal(baseline.state, 'done');
  const states = [...baseline.byPackage.values()].map((entry) => entry.state);
  assert.ok(states.includes('vulnerable') && states.includes('clean'), `the baseline has both states: ${states}`);
  assert.ok(![...baseline.byPackage.values()].some((entry) => entry.state === 'unchecked'), 'the baseline checks all');
});
after(async () => { await control({}); await browser?.close(); });

test('every third answer a 503: retries recover everything', async () => {
  await control({ faults: [{ kind: 'status', status: 503, every: 3 }] });
  const result = await auditOnce();
  const log = await apiLog();
  assert.equal(assertCorrectOrUnchecked(result, '503 every third'), 0, 'retries recover every package');
  assert.ok(log.length >= 3, `the faults were served: ${log.length} requests`);
});

test('429 with Retry-After: the page waits as told, then gets every answer', async () => {
  await control({ faults: [{ kind: 'rate-limit', retry_after: '1', times: 2 }] });
  const started = Date.now();
  const result = await auditOnce();
  assert.equal(assertCorrectOrUnchecked(result, '429'), 0, 'the rate limit is waited out');
  assert.ok(Date.now() - started >= 1_000, 'the audit waited at least the Retry-After second');
});

test('an answer that hangs past the time-out is retried', async () => {
  await control({ faults: [{ kind: 'hang', ms: 60_000, times: 1, path_prefix: '/v1/querybatch' }] });
  const result = await auditOnce();
  assert.equal(assertCorrectOrUnchecked(result, 'hang'), 0, 'the retry after the time-out succeeds');
});

test('answers that always hang leave the packages unchecked, never clean', { timeout: 400_000 }, async () => {
  await control({ faults: [{ kind: 'hang', ms: 120_000, path_prefix: '/v1/querybatch' }] });
  const result = await auditOnce();
  const unchecked = assertCorrectOrUnchecked(result, 'hang always');
  assert.equal(unchecked, baseline.byPackage.size, 'nothing was checked, so everything is unchecked');
});

for (const kind of ['malformed', 'truncated']) {
  test(`${kind} JSON now and then is retried; always ${kind} is unchecked`, { timeout: 400_000 }, async () => {
    await control({ faults: [{ kind, every: 2 }] });
    assert.equal(assertCorrectOrUnchecked(await auditOnce(), `${kind} every second`), 0);
    await control({ faults: [{ kind }] });
    const always = await auditOnce();
    assert.equal(assertCorrectOrUnchecked(always, `${kind} always`), baseline.byPackage.size);
    assert.deepEqual(always.problems, [], 'no crash and no console error');
  });
}

test('a record whose ID differs from the one asked for is never used', async () => {
  await control({ faults: [{ kind: 'wrong-id' }] });
  const result = await auditOnce();
  assert.equal(result.state, 'done');
  for (const [name, expected] of baseline.byPackage) {
    const got = result.byPackage.get(name);
    if (expected.state !== 'vulnerable') {
      assert.equal(got.state, expected.state, `${name} needs no record, so it is still ${expected.state}`);
      continue;
    }
    // OSV's query named the IDs, so the package is vulnerable; only the records' details (and with them the
    // grouping of aliases) are missing, and the row says why. Never clean, never another ID.
    assert.ok(['vulnerable', 'unchecked'].includes(got.state), `${name} is ${got.state}`);
    if (got.state === 'vulnerable') {
      for (const id of expected.vulns) assert.ok(got.vulns.includes(id), `${name} still lists ${id}: ${got.vulns}`);
      for (const id of got.vulns) assert.ok(expected.ids.includes(id), `${name} lists only real IDs: ${id}`);
      assert.match(got.details, /asked for/, `${name}'s findings say the record was refused`);
    }
  }
});

for (const kind of ['extra-fields', 'schema-v2']) {
  test(`records with ${kind === 'schema-v2' ? 'schema_version 2.x' : 'unknown fields'} are read or declined, never misread`, async () => {
    await control({ faults: [{ kind }] });
    const result = await auditOnce();
    const unchecked = assertCorrectOrUnchecked(result, kind);
    if (kind === 'extra-fields') assert.equal(unchecked, 0, 'unknown fields are ignored');
  });
}
