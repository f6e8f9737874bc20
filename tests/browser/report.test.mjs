// The report people act on: grouped findings with severity, details, triage, exports, the share link, and
// nothing lost on reload.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { after, before, beforeEach, test } from 'node:test';

import { BASE, apiLog, audit, control, exportFile, findings, launch, openPage, paste, waitForEnd } from './harness.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');

const INPUT = [
  'osv-lens-demo==1.3.2',
  'osv-lens-other==2.1',
  'osv-lens-grouped==1.9.0',
  'osv-lens-demo-clean==1.0',
  '-e ./local/project',
].join('\n');

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await control({}); });

async function audited(query = '') {
  const opened = await openPage(browser, query);
  await paste(opened.page, INPUT);
  assert.equal(await audit(opened.page), 'done');
  return opened;
}

async function counts(page) {
  return page.$$eval('[data-testid=summary-bar] [data-kind]', (nodes) =>
    Object.fromEntries(nodes.map((node) => [node.dataset.kind, Number(node.dataset.count)])));
}

test('aliasing records are one finding, led by the PYSEC ID, with CVSS severity and a summary bar', async () => {
  const { page, problems } = await audited();
  const found = await findings(page);
  const rows = await page.$$eval('[data-testid=finding]', (nodes) => nodes.map((node) => ({
    vuln: node.dataset.vuln, severity: node.dataset.severity, badge: node.querySelector('[data-testid=severity]').textContent,
  })));
  // Worst first: CVSS 3.1 9.8, then the group's CVSS 4.0 9.3, the database's MODERATE, CVSS 3.1 3.1, and no severity.
  assert.deepEqual(rows, [
    { vuln: 'OSVLENS-TEST-1', severity: 'critical', badge: '9.8 Critical' },
    { vuln: 'PYSEC-2099-901', severity: 'critical', badge: '9.3 Critical' },
    { vuln: 'OSVLENS-TEST-6', severity: 'medium', badge: 'Medium' },
    { vuln: 'OSVLENS-TEST-2', severity: 'low', badge: '3.1 Low' },
    { vuln: 'OSVLENS-TEST-4', severity: 'unknown', badge: 'Unknown' },
  ]);
  const grouped = found.find((finding) => finding.vuln === 'PYSEC-2099-901');
  assert.deepEqual(grouped.aliases, ['CVE-2099-0901', 'GHSA-2222-3333-4444']);
  assert.equal(found.filter((finding) => finding.package === 'osv-lens-grouped').length, 2, 'the GHSA record is not a row of its own');
  assert.match(grouped.text, /Fixed in 1\.9\.1, 2\.0/);
  assert.deepEqual(await counts(page), { critical: 2, high: 0, medium: 1, low: 1, none: 0, unknown: 1, unchecked: 0, skipped: 1, ignored: 0 });
  const aliasLinks = await page.$$eval('[data-vuln=PYSEC-2099-901] a.alias', (links) => links.map((link) => link.href));
  assert.deepEqual(aliasLinks, ['https://osv.dev/vulnerability/CVE-2099-0901', 'https://osv.dev/vulnerability/GHSA-2222-3333-4444']);
  assert.deepEqual(problems, []);
  await page.close();
});

test('details render the Markdown safely, group the references, and open from the keyboard', async () => {
  const { page, problems } = await audited();
  const card = '[data-vuln=PYSEC-2099-901]';
  assert.equal(await page.$eval(`${card} details`, (details) => details.open), false);
  await page.focus(`${card} details > summary`);
  await page.keyboard.press('Enter');
  assert.equal(await page.$eval(`${card} details`, (details) => details.open), true);
  const markdown = `${card} [data-record=GHSA-2222-3333-4444]`;
  assert.equal(await page.textContent(`${markdown} h4`), 'Impact');
  assert.equal(await page.textContent(`${markdown} strong`), 'made-up');
  assert.match(await page.textContent(`${markdown} pre`), /--archive 'x;id'/);
  // Raw HTML is shown as text and never runs; unsafe links are text; the image is a link.
  assert.equal(await page.$$eval(`${markdown} script, ${markdown} img`, (nodes) => nodes.length), 0);
  assert.match(await page.textContent(markdown), /<script>window\.__advisoryRan = true<\/script>/);
  assert.equal(await page.evaluate(() => window.__advisoryRan), undefined);
  const hrefs = await page.$$eval(`${card} a`, (links) => links.map((link) => link.getAttribute('href')));
  assert.ok(hrefs.every((href) => /^https:\/\//.test(href)), hrefs.join(' '));
  assert.ok(hrefs.includes('https://example.org/diagram.png'));
  assert.match(await page.textContent(markdown), /A bad link stays text/);
  const groups = await page.$$eval(`${card} .reference-group h4`, (nodes) => nodes.map((node) => node.textContent));
  assert.deepEqual(groups, ['Advisories', 'Fixes', 'Reports', 'Web']);
  const facts = await page.textContent(`${card} .facts`);
  assert.match(facts, /Published2026-04-30/);
  assert.match(facts, /Modified2026-06-10/);
  assert.match(facts, /CVSS 4\.0CVSS:4\.0\/AV:N/);
  assert.match(facts, /Why it matched.*introduced 0 → fixed 2\.0/);
  assert.match(facts, /Merged recordsPYSEC-2099-901, GHSA-2222-3333-4444/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('ignoring a finding moves it under Ignored and out of the totals; filters say what they hide', async () => {
  const { page } = await audited();
  const card = '[data-testid=findings] [data-vuln=OSVLENS-TEST-1]';
  await page.click(`${card} [data-testid=ignore]`);
  await page.fill(`${card} [data-testid=ignore-reason]`, 'only in the test harness');
  await page.fill(`${card} [data-testid=ignore-until]`, '2099-12-31');
  await page.press(`${card} [data-testid=ignore-reason]`, 'Enter');
  await page.waitForSelector('[data-testid=ignored] [data-vuln=OSVLENS-TEST-1]');
  assert.equal(await page.$$eval('[data-testid=findings] [data-vuln=OSVLENS-TEST-1]', (nodes) => nodes.length), 0);
  assert.match(await page.textContent('[data-testid=ignored]'), /only in the test harness · until 2099-12-31/);
  const after = await counts(page);
  assert.equal(after.critical, 1);
  assert.equal(after.ignored, 1);
  assert.match(await page.textContent('[data-testid=status]'), /4 known vulnerabilities in 3 packages.*1 ignored/);

  // Severity filter: hiding "unknown" says so.
  await page.uncheck('[data-testid=filter-severity-unknown]');
  assert.match(await page.textContent('[data-testid=hidden-notice]'), /1 finding is hidden by the filters, 1 finding with an unknown severity/);
  assert.equal(await page.$$eval('[data-testid=findings] [data-severity=unknown]', (nodes) => nodes.length), 0);
  await page.check('[data-testid=filter-severity-unknown]');
  assert.equal(await page.$('[data-testid=hidden-notice]'), null);
  // Fix filter and package filter.
  await page.selectOption('[data-testid=filter-fix]', 'no-fix');
  let shown = await page.$$eval('[data-testid=findings] [data-testid=finding]', (nodes) => nodes.map((node) => node.dataset.vuln));
  assert.deepEqual(shown, ['OSVLENS-TEST-6', 'OSVLENS-TEST-4']);
  await page.selectOption('[data-testid=filter-fix]', 'any');
  await page.fill('[data-testid=filter-package]', 'grouped');
  shown = await page.$$eval('[data-testid=findings] [data-testid=finding]', (nodes) => nodes.map((node) => node.dataset.vuln));
  assert.deepEqual(shown, ['PYSEC-2099-901', 'OSVLENS-TEST-6']);
  await page.fill('[data-testid=filter-package]', '');
  await page.selectOption('[data-testid=sort]', 'id');
  shown = await page.$$eval('[data-testid=findings] [data-testid=finding]', (nodes) => nodes.map((node) => node.dataset.vuln));
  assert.deepEqual(shown, ['OSVLENS-TEST-2', 'OSVLENS-TEST-4', 'OSVLENS-TEST-6', 'PYSEC-2099-901']);

  // Nothing lost: the ignore and the sort survive a reload, and apply to the next audit.
  await page.reload();
  await page.waitForSelector('[data-testid=status]');
  assert.equal(await audit(page), 'done');
  assert.equal(await page.inputValue('[data-testid=sort]'), 'id');
  await page.waitForSelector('[data-testid=ignored] [data-vuln=OSVLENS-TEST-1]');
  await page.click('[data-testid=ignored] [data-testid=unignore]');
  await page.waitForSelector('[data-testid=findings] [data-vuln=OSVLENS-TEST-1]');
  assert.equal((await counts(page)).ignored, 0);
  await page.close();
});

test('each export downloads the report in its format', async () => {
  const { page, problems } = await audited();
  const json = await exportFile(page, 'json');
  assert.equal(json.name, 'osv-lens-pip-audit.json');
  const pipAudit = JSON.parse(json.text);
  assert.deepEqual(Object.keys(pipAudit).sort(), ['dependencies', 'fixes']);
  const demo = pipAudit.dependencies.find((dependency) => dependency.name === 'osv-lens-demo');
  assert.equal(demo.version, '1.3.2');
  assert.deepEqual(demo.vulns.map((vuln) => vuln.id).sort(), ['OSVLENS-TEST-1', 'OSVLENS-TEST-2']);
  assert.deepEqual(Object.keys(demo.vulns[0]).sort(), ['aliases', 'description', 'fix_versions', 'id']);
  const grouped = pipAudit.dependencies.find((dependency) => dependency.name === 'osv-lens-grouped');
  assert.deepEqual(grouped.vulns.find((vuln) => vuln.id === 'PYSEC-2099-901').aliases, ['CVE-2099-0901', 'GHSA-2222-3333-4444']);
  assert.ok(pipAudit.dependencies.some((dependency) => dependency.skip_reason?.includes('editable')));

  const sarif = JSON.parse((await exportFile(page, 'sarif')).text);
  assert.equal(sarif.version, '2.1.0');
  const result = sarif.runs[0].results.find((entry) => entry.ruleId === 'PYSEC-2099-901');
  assert.deepEqual(result.locations[0].physicalLocation, {
    artifactLocation: { uri: 'pasted' }, region: { startLine: 3, startColumn: 1 },
  });

  const bom = JSON.parse((await exportFile(page, 'cyclonedx')).text);
  assert.equal(bom.specVersion, '1.6');
  assert.ok(bom.components.some((component) => component.purl === 'pkg:pypi/osv-lens-grouped@1.9.0'));
  const vulnerability = bom.vulnerabilities.find((entry) => entry.id === 'PYSEC-2099-901');
  assert.deepEqual(vulnerability.ratings.map((rating) => [rating.method, rating.score, rating.severity]), [['CVSSv4', 9.3, 'critical']]);
  assert.deepEqual(vulnerability.affects, [{ ref: 'pkg:pypi/osv-lens-grouped@1.9.0' }]);

  const csv = await exportFile(page, 'csv');
  const lines = csv.text.split('\r\n');
  assert.ok(lines[0].startsWith('file,line,column,package,version,id'));
  assert.equal(lines.filter((line) => line.startsWith('pasted,')).length, 5);

  const markdown = await exportFile(page, 'markdown');
  assert.match(markdown.text, /^## osv-lens audit/);
  assert.match(markdown.text, /^\| `osv-lens-demo` \| `1\.3\.2` \| `1\.4\.1` \| 2 of 2 \| Critical \|$/m);
  assert.match(markdown.text, /^- \[OSVLENS-TEST-1\]\(https:\/\/osv\.dev\/vulnerability\/OSVLENS-TEST-1\) · Critical/m);
  assert.deepEqual(problems, []);
  await page.close();
});

test('the share link carries the inputs and ignores in its fragment and re-runs the audit', async () => {
  const { page } = await audited('?osv=' + encodeURIComponent(BASE));
  const card = '[data-testid=findings] [data-vuln=OSVLENS-TEST-2]';
  await page.click(`${card} [data-testid=ignore]`);
  await page.fill(`${card} [data-testid=ignore-reason]`, 'shared reason');
  await page.click(`${card} [data-testid=ignore-confirm]`);
  await page.selectOption('[data-testid=sort]', 'package');
  const href = await page.getAttribute('[data-testid=share-link]', 'href');
  assert.equal(await page.$eval('[data-testid=share-link]', (node) => node.tagName), 'A');
  assert.match(href, /^http:\/\/127\.0\.0\.1:\d+\/\?osv=[^#]+#r=v1\.[A-Za-z0-9_-]+$/);
  await page.close();

  await control({});
  const opened = await openPage(browser, href.slice(BASE.length + 1));
  assert.equal(await waitForEnd(opened.page), 'done');
  assert.match(await opened.page.textContent('[data-testid=shared-at]'), /share link made \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
  assert.equal(await opened.page.inputValue('[data-testid=input]'), INPUT);
  assert.equal(await opened.page.inputValue('[data-testid=sort]'), 'package');
  await opened.page.waitForSelector('[data-testid=ignored] [data-vuln=OSVLENS-TEST-2]');
  assert.match(await opened.page.textContent('[data-testid=ignored]'), /shared reason/);
  // The fragment never reached the server, and the address still shows it, so that it can be copied again.
  assert.ok(opened.requests.every((request) => !request.url.includes('r=v1.')), 'no request carries the link');
  assert.ok((await apiLog()).every((entry) => !entry.path.includes('r=v1') && !entry.body.includes('r=v1')));
  assert.ok(opened.page.url().endsWith(href.slice(href.indexOf('#'))), 'the address keeps the link');
  assert.deepEqual(opened.problems, []);
  await opened.page.close();
});

test('a checked-in v1 link still opens', async () => {
  const link = readFileSync(join(ROOT, 'tests/fixtures/share/v1-basic.txt'), 'utf8').trim();
  const { page, problems } = await openPage(browser, `#${link}`);
  assert.equal(await waitForEnd(page), 'done');
  assert.match(await page.textContent('[data-testid=shared-at]'), /2026-11-25 12:00:00 UTC/);
  // The link's view shows only findings with a fix, and says that it hides one; its ignore rule applies.
  const shown = await page.$$eval('[data-testid=findings] [data-testid=finding]', (nodes) => nodes.map((node) => node.dataset.vuln));
  assert.deepEqual(shown, ['OSVLENS-TEST-1']);
  assert.equal(await page.inputValue('[data-testid=filter-fix]'), 'has-fix');
  assert.match(await page.textContent('[data-testid=hidden-notice]'), /1 finding is hidden by the filters, 1 finding with an unknown severity/);
  await page.waitForSelector('[data-testid=ignored] [data-vuln=OSVLENS-TEST-2]');
  assert.match(await page.textContent('[data-testid=ignored]'), /not reachable from our code · until 2099-01-01/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('bad, tampered, unknown and oversized links give a clear message, never a crash', async () => {
  const good = readFileSync(join(ROOT, 'tests/fixtures/share/v1-basic.txt'), 'utf8').trim();
  const middle = Math.floor(good.length / 2);
  const tampered = good.slice(0, middle) + (good[middle] === 'A' ? 'B' : 'A') + good.slice(middle + 1);
  const cases = [
    [tampered, /damaged or was altered|cannot be read/],
    ['r=v1.%%%not-base64', /not valid base64url/],
    ['r=v7.abc', /format `v7`/],
    [`r=v1.${'A'.repeat(600 * 1024)}`, /characters long; the limit is/],
    // 64 MB of spaces deflate to about 64 KB: a zip bomb in miniature.
    [`r=v1.${deflateSync(Buffer.alloc(64 * 1024 * 1024, 32), { level: 9 }).toString('base64url')}`, /more than 8 MB; it was refused/],
  ];
  for (const [fragment, message] of cases) {
    const { page, problems } = await openPage(browser, `#${fragment}`);
    const text = await page.textContent('[data-testid=share-error]');
    assert.match(text, /^This share link could not be opened: /);
    assert.match(text, message);
    assert.equal(await page.getAttribute('[data-testid=status]', 'data-state'), 'idle');
    // The page still works.
    await paste(page, 'osv-lens-demo-clean==1.0');
    assert.equal(await audit(page), 'done');
    assert.deepEqual(problems, []);
    await page.close();
  }
});

test('a 10 MB paste is refused with a message and the tab stays responsive', async () => {
  const { page, problems } = await openPage(browser);
  await paste(page, 'osv-lens-demo==1.0.0\n');
  const started = Date.now();
  await page.evaluate(() => {
    const area = document.querySelector('[data-testid=input]');
    area.value = 'x'.repeat(10 * 1024 * 1024);
    area.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
  });
  await page.waitForSelector('[data-testid=paste-error]', { timeout: 5_000 });
  assert.match(await page.textContent('[data-testid=paste-error]'), /10\.0 MB; the paste box takes up to 4 MB/);
  // The box keeps what it had, and the page answers at once.
  assert.equal(await page.inputValue('[data-testid=input]'), 'osv-lens-demo==1.0.0\n');
  const ping = Date.now();
  await page.evaluate(() => 1);
  assert.ok(Date.now() - ping < 1_000, 'the page answers');
  assert.ok(Date.now() - started < 10_000, `refused in ${Date.now() - started} ms`);
  assert.equal(await audit(page), 'done');
  assert.deepEqual(problems, []);
  await page.close();
});

test('looks right: desktop light and dark, and a phone without sideways scrolling', async () => {
  const folder = join(ROOT, 'target', 'screenshots');
  mkdirSync(folder, { recursive: true });
  const shots = [
    ['desktop-light', { viewport: { width: 1280, height: 900 }, colorScheme: 'light' }],
    ['desktop-dark', { viewport: { width: 1280, height: 900 }, colorScheme: 'dark' }],
    ['phone', { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, colorScheme: 'light' }],
  ];
  for (const [name, options] of shots) {
    const context = await browser.browser.newContext(options);
    const { page, problems } = await openPage(browser, '', { context });
    await paste(page, INPUT);
    assert.equal(await audit(page), 'done');
    await page.click('[data-vuln=PYSEC-2099-901] details > summary');
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [red] = background.match(/\d+/g).map(Number);
    if (name === 'desktop-dark') assert.ok(red < 60, `dark background, got ${background}`);
    else assert.ok(red > 200, `light background, got ${background}`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name}: the page scrolls sideways by ${overflow}px`);
    await page.screenshot({ path: join(folder, `${name}.png`), fullPage: true });
    // A closer look at the report itself, one screen high.
    const top = await page.$eval('[data-testid=summary-bar]', (node) => node.getBoundingClientRect().top + window.scrollY);
    const width = options.viewport.width;
    await page.screenshot({ path: join(folder, `${name}-report.png`), fullPage: true, clip: { x: 0, y: top - 8, width, height: 1100 } });
    // Keyboard: tabbing reaches the report's controls, and the focused one is outlined.
    await page.focus('[data-testid=audit]');
    for (let presses = 0; presses < 20; presses += 1) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement?.dataset.testid === 'export-json')) break;
    }
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.testid), 'export-json', 'Tab reaches the exports');
    const outline = await page.$eval('[data-testid=export-json]', (node) => getComputedStyle(node).outlineStyle);
    assert.equal(outline, 'solid');
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('a long report draws the first cards whole and completes the rest right after, contract attributes from the start', async (t) => {
  // Sixty pins of the same vulnerable test package (one finding each) make a report longer than the first frame's.
  const pins = Array.from({ length: 60 }, (_, index) => `osv-lens-demo==1.3.2 ; python_version >= "3.${index}"`);
  const { page, context } = await openPage(browser, '?pypi=off');
  await paste(page, `${pins.join('\n')}\n`);
  assert.equal(await audit(page), 'done');
  const drawn = await findings(page);
  assert.ok(drawn.length > 40, `a long report: ${drawn.length} findings`);
  for (const finding of drawn) {
    assert.equal(finding.package, 'osv-lens-demo');
    assert.ok(finding.vuln, 'every card, whole or not, carries its ID');
  }
  await page.waitForFunction(() => document.querySelector('[data-testid=finding][data-stub]') === null, null, { timeout: 10_000 });
  const complete = await page.$$eval('[data-testid=findings] [data-testid=finding]', (cards) =>
    cards.filter((card) => card.querySelector('[data-testid=ignore]') && card.querySelector('details')).length);
  assert.equal(complete, drawn.length, 'every card ends whole: details and the ignore control');
  t.diagnostic(`${drawn.length} findings`);
  await context.close();
});
