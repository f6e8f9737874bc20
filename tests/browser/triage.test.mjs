// Triage that travels: "ignore until fixed", the rules panel and its warning for rules that match nothing, and the
// decisions exported as OpenVEX and CycloneDX VEX and imported back (written and read in the worker).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, beforeEach, test } from 'node:test';

import { audit, control, exportFile, launch, openPage, paste } from './harness.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');

// OSVLENS-TEST-1 and -2 (osv-lens-demo 1.3.2) and PYSEC-2099-901 have fixed versions; OSVLENS-TEST-4 and -6 have none.
const INPUT = [
  'osv-lens-demo==1.3.2',
  'osv-lens-other==2.1',
  'osv-lens-grouped==1.9.0',
  'osv-lens-demo-clean==1.0',
].join('\n');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await control({}); });

async function audited(query = '?pypi=off', options = {}) {
  const opened = await openPage(browser, query, options);
  await paste(opened.page, INPUT);
  assert.equal(await audit(opened.page), 'done');
  return opened;
}

/** Ignores the open finding `vuln` through its card's form. */
async function ignore(page, vuln, { reason = '', until = '', untilFixed = false } = {}) {
  const card = `[data-testid=findings] [data-testid=finding][data-vuln="${vuln}"]`;
  await page.click(`${card} [data-testid=ignore]`);
  await page.fill(`${card} [data-testid=ignore-reason]`, reason);
  if (until) await page.fill(`${card} [data-testid=ignore-until]`, until);
  if (untilFixed) await page.check(`${card} [data-testid=ignore-until-fixed]`);
  await page.click(`${card} [data-testid=ignore-confirm]`);
  await page.waitForSelector(`[data-testid=ignore-rule][data-vuln="${vuln}"]`);
}

/** The rules panel as the contract exposes it. */
async function rules(page) {
  return page.$$eval('[data-testid=ignore-rules] [data-testid=ignore-rule]', (nodes) => nodes.map((node) => ({
    vuln: node.dataset.vuln,
    text: node.textContent.replace('Remove', '').trim(),
    unmatched: node.querySelector('[data-testid=ignore-unmatched]') !== null,
  })).sort((a, b) => a.vuln.localeCompare(b.vuln)));
}

async function ignoredIds(page) {
  const ids = await page.$$eval('[data-testid=finding][data-ignored=true]', (nodes) => nodes.map((node) => node.dataset.vuln));
  return ids.sort();
}

test('an "until fixed" ignore holds while there is no fix and ends, saying so, when there is one', async () => {
  const { page, problems } = await audited();
  await ignore(page, 'OSVLENS-TEST-4', { reason: 'waiting for upstream', untilFixed: true });
  await ignore(page, 'OSVLENS-TEST-1', { reason: 'fixed soon', untilFixed: true });
  // No fix: ignored, and the ignored card says the rule is "until fixed".
  const waiting = '[data-testid=ignored] [data-vuln=OSVLENS-TEST-4]';
  assert.equal(await page.getAttribute(waiting, 'data-ignored'), 'true');
  assert.match(await page.textContent(waiting), /waiting for upstream · until fixed/);
  // A fix exists (1.4.0): the finding stays open and the card says why the ignore ended, naming the version.
  const fixed = '[data-testid=findings] [data-vuln=OSVLENS-TEST-1]';
  assert.equal(await page.getAttribute(fixed, 'data-ignored'), 'false');
  assert.match(await page.textContent(`${fixed} [data-testid=ignore-ended]`), /Ignore ended: a fix exists \(1\.4\.0\)/);
  assert.equal(await page.$('[data-testid=ignored] [data-vuln=OSVLENS-TEST-1]'), null);
  // Both rules are listed with "until a fix exists"; both name a finding of this report.
  const listed = await rules(page);
  assert.deepEqual(listed.map((rule) => [rule.vuln, rule.unmatched]), [['OSVLENS-TEST-1', false], ['OSVLENS-TEST-4', false]]);
  assert.ok(listed.every((rule) => /until a fix exists/.test(rule.text)), JSON.stringify(listed));
  // The rule is stored: it survives a reload and holds in the next audit.
  await page.reload();
  await page.waitForSelector('[data-testid=status]');
  assert.equal(await audit(page), 'done');
  assert.deepEqual(await ignoredIds(page), ['OSVLENS-TEST-4']);
  await page.waitForSelector('[data-vuln=OSVLENS-TEST-1] [data-testid=ignore-ended]');
  // Removing a rule from the panel (from the keyboard) lifts the ignore.
  await page.focus('[data-testid=ignore-rule][data-vuln=OSVLENS-TEST-4] [data-testid=ignore-rule-remove]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid=findings] [data-vuln=OSVLENS-TEST-4]');
  assert.deepEqual((await rules(page)).map((rule) => rule.vuln), ['OSVLENS-TEST-1']);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a rule that matches nothing in the report is flagged, with what that means', async () => {
  const { page, problems } = await audited();
  await ignore(page, 'OSVLENS-TEST-1', { reason: 'not reachable' });
  await ignore(page, 'OSVLENS-TEST-6', { reason: 'dev only' });
  assert.equal(await page.$('[data-testid=ignore-unmatched]'), null);
  // The input changes: osv-lens-demo is upgraded past the advisory; osv-lens-other stays.
  await paste(page, INPUT.replace('osv-lens-demo==1.3.2', 'osv-lens-demo==1.4.0'));
  assert.equal(await audit(page), 'done');
  const listed = await rules(page);
  assert.deepEqual(listed.map((rule) => [rule.vuln, rule.unmatched]), [['OSVLENS-TEST-1', true], ['OSVLENS-TEST-6', false]]);
  assert.match(listed[0].text,
    /Matches nothing in this report: the package was removed or upgraded, or the ID is wrong/);
  const warning = await page.$('[data-testid=ignore-unmatched]');
  assert.ok(await warning.isVisible());
  assert.deepEqual(problems, []);
  await page.close();
});

test('OpenVEX export, imported into a fresh page, gives the same ignores', async () => {
  const { page, problems } = await audited();
  await ignore(page, 'OSVLENS-TEST-4', { reason: 'not reachable from our code', until: '2099-06-30' });
  await ignore(page, 'PYSEC-2099-901', { reason: 'behind the proxy' });
  await ignore(page, 'OSVLENS-TEST-6', { untilFixed: true });
  const before = await rules(page);
  const ignoredBefore = await ignoredIds(page);
  assert.deepEqual(ignoredBefore, ['OSVLENS-TEST-4', 'OSVLENS-TEST-6', 'PYSEC-2099-901']);

  const file = await exportFile(page, 'openvex');
  assert.equal(file.name, 'osv-lens.openvex.json');
  const vex = JSON.parse(file.text);
  assert.equal(vex['@context'], 'https://openvex.dev/ns/v0.2.0');
  const byName = Object.fromEntries(vex.statements.map((statement) => [statement.vulnerability.name, statement]));
  assert.equal(byName['PYSEC-2099-901'].status, 'not_affected');
  assert.equal(byName['PYSEC-2099-901'].impact_statement, 'behind the proxy');
  assert.deepEqual(byName['PYSEC-2099-901'].products, [{ '@id': 'pkg:pypi/osv-lens-grouped@1.9.0' }]);
  assert.deepEqual(byName['PYSEC-2099-901'].vulnerability.aliases, ['CVE-2099-0901', 'GHSA-2222-3333-4444']);
  assert.equal(byName['OSVLENS-TEST-1'].status, 'affected');
  assert.equal(byName['OSVLENS-TEST-1'].action_statement, 'Upgrade to 1.4.0.');
  await page.close();

  // A fresh page (empty storage), the same input, then the import.
  const fresh = await audited();
  assert.deepEqual(await rules(fresh.page), []);
  await fresh.page.setInputFiles('[data-testid=import-vex]',
    { name: 'decisions.openvex.json', mimeType: 'application/json', buffer: Buffer.from(file.text) });
  await fresh.page.waitForSelector('[data-testid=vex-import][data-state=done]');
  assert.match(await fresh.page.textContent('[data-testid=vex-import]'),
    /^3 ignore rules added from `decisions\.openvex\.json` \(OpenVEX, 5 statements\)\. 2 statements not used: 2 affected\./);
  assert.deepEqual(await rules(fresh.page), before);
  assert.deepEqual(await ignoredIds(fresh.page), ignoredBefore);
  assert.deepEqual([...problems, ...fresh.problems], []);
  await fresh.page.close();
});

test('CycloneDX VEX export parses and carries the analysis states; an unreadable import says so', async () => {
  const { page, problems } = await audited();
  await ignore(page, 'OSVLENS-TEST-2', { reason: 'only in tests' });
  const file = await exportFile(page, 'cyclonedx-vex');
  assert.equal(file.name, 'osv-lens.vex.cdx.json');
  const bom = JSON.parse(file.text);
  assert.equal(bom.bomFormat, 'CycloneDX');
  assert.equal(bom.specVersion, '1.6');
  const states = Object.fromEntries(bom.vulnerabilities.map((vulnerability) => [vulnerability.id, vulnerability.analysis.state]));
  assert.deepEqual(states, {
    'OSVLENS-TEST-1': 'exploitable', 'OSVLENS-TEST-2': 'not_affected', 'OSVLENS-TEST-4': 'exploitable',
    'OSVLENS-TEST-6': 'exploitable', 'PYSEC-2099-901': 'exploitable',
  });
  const ignored = bom.vulnerabilities.find((vulnerability) => vulnerability.id === 'OSVLENS-TEST-2');
  assert.equal(ignored.analysis.detail, 'only in tests');
  assert.deepEqual(ignored.affects, [{ ref: 'pkg:pypi/osv-lens-demo@1.3.2' }]);
  assert.ok(bom.components.some((component) => component.purl === 'pkg:pypi/osv-lens-demo@1.3.2'));

  // The import control is reached from the keyboard, right after the VEX exports.
  await page.focus('[data-testid=export-cyclonedx-vex]');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'import-vex');
  // A file that is not a VEX document: a clear error naming it, and no rule added.
  await page.setInputFiles('[data-testid=import-vex]',
    { name: 'requirements.txt', mimeType: 'text/plain', buffer: Buffer.from('requests==2.0\n') });
  await page.waitForSelector('[data-testid=vex-import][data-state=error]');
  assert.match(await page.textContent('[data-testid=vex-import]'), /`requirements\.txt` could not be read as a VEX document: it is not JSON/);
  assert.deepEqual((await rules(page)).map((rule) => rule.vuln), ['OSVLENS-TEST-2']);
  // The CycloneDX document imports too: into a fresh page, the same rule.
  const fresh = await audited();
  await fresh.page.setInputFiles('[data-testid=import-vex]',
    { name: file.name, mimeType: 'application/json', buffer: Buffer.from(file.text) });
  await fresh.page.waitForSelector('[data-testid=vex-import][data-state=done]');
  assert.deepEqual(await rules(fresh.page), await rules(page));
  assert.deepEqual([...problems, ...fresh.problems], []);
  await page.close();
  await fresh.page.close();
});

test('the rules panel fits a phone and a desktop', async () => {
  const folder = join(ROOT, 'target', 'screenshots');
  mkdirSync(folder, { recursive: true });
  for (const width of [390, 1280]) {
    const context = await browser.browser.newContext({ viewport: { width, height: 900 } });
    const { page, problems } = await audited('?pypi=off', { context });
    await ignore(page, 'OSVLENS-TEST-4', { reason: 'a long reason that has to wrap on a phone screen without pushing anything sideways', until: '2099-06-30' });
    await ignore(page, 'OSVLENS-TEST-1', { untilFixed: true });
    await paste(page, INPUT.replace('osv-lens-demo==1.3.2\n', ''));
    assert.equal(await audit(page), 'done');
    await page.waitForSelector('[data-testid=ignore-unmatched]');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${width}px: the page scrolls sideways by ${overflow}px`);
    const panel = await page.$('.triage-panel');
    await panel.scrollIntoViewIfNeeded();
    await panel.screenshot({ path: join(folder, `triage-panel-${width}.png`) });
    assert.deepEqual(problems, []);
    await context.close();
  }
});
