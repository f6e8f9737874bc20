// A report that leads with what to do (issue 23): one block per package to change before the findings, focus on
// the summary after Audit, a skip link to the first fix, no horizontal overflow at 390 and 1280 px, lockfile
// commands that install, and a share link that is copied rather than followed.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';

import { audit, control, launch, needRealData, openPage, paste, pypiLog, waitForEnd } from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await control({}); });

/** Every fix block as the automation contract exposes it, in the order shown. */
async function fixBlocks(page) {
  return page.$$eval('[data-testid=fix]', (nodes) => nodes.map((node) => ({
    package: node.dataset.package, version: node.dataset.version, to: node.dataset.to, fixes: Number(node.dataset.fixes),
    open: node.querySelector('details').open, text: node.querySelector('summary').textContent,
    advisories: node.querySelectorAll('.advisories li').length,
  })));
}

/** Open findings per package@version, from the finding cards. */
async function findingCounts(page) {
  return page.$$eval('[data-testid=findings] [data-testid=finding]', (nodes) => {
    const counts = {};
    for (const node of nodes) {
      const key = `${node.dataset.package}@${node.dataset.version}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  });
}

/** The page's width beyond the viewport, in CSS pixels (0 when nothing overflows). */
async function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

const PINNED = [
  '# app requirements',
  'osv-lens-demo==1.3.2',
  'osv-lens-other==2.1',
  'osv-lens-demo-clean==1.0',
  'osv-lens-major==1.5.0',
  '',
].join('\n');

test('fixes come first: one block per package, advisories collapsed under it, the cards still there', async () => {
  const { page, problems } = await openPage(browser);
  await paste(page, PINNED);
  assert.equal(await audit(page), 'done');
  const blocks = await fixBlocks(page);
  const demo = blocks.find((block) => block.package === 'osv-lens-demo');
  assert.deepEqual(
    [demo.version, demo.to, demo.fixes, demo.open, demo.advisories], ['1.3.2', '1.4.1', 2, false, 2],
    JSON.stringify(blocks),
  );
  assert.match(demo.text, /upgrade osv-lens-demo 1\.3\.2 → 1\.4\.1: fixes 2\s*osv-lens-demo==1\.4\.1/);
  assert.deepEqual(blocks.map((block) => block.package).sort(), ['osv-lens-demo', 'osv-lens-major', 'osv-lens-other']);
  // One block per package, and each counts that package's cards.
  const counts = await findingCounts(page);
  for (const block of blocks) assert.equal(block.fixes, counts[`${block.package}@${block.version}`], block.package);
  // The blocks come before the findings list, whose cards keep their contract.
  const before = await page.evaluate(() => {
    const first = document.querySelector('[data-testid=fix]');
    const findings = document.querySelector('[data-testid=findings]');
    return Boolean(first.compareDocumentPosition(findings) & Node.DOCUMENT_POSITION_FOLLOWING);
  });
  assert.ok(before, 'the fixes come before the findings');
  assert.ok(Object.values(counts).reduce((a, b) => a + b, 0) >= blocks.length);
  // Opening a block shows its advisories with links to OSV.
  await page.click('[data-testid=fix][data-package=osv-lens-demo] summary');
  const links = await page.$$eval('[data-testid=fix][data-package=osv-lens-demo] .advisories a', (nodes) => nodes.map((node) => node.href));
  assert.deepEqual(links.sort(), ['https://osv.dev/vulnerability/OSVLENS-TEST-1', 'https://osv.dev/vulnerability/OSVLENS-TEST-2']);
  assert.deepEqual(problems, []);
  await page.close();
});

/** A web app's requirements with real advisories, and one long line with markers. */
const WEB_APP = [
  'django==4.2.7',
  'apache-airflow==2.7.3',
  'jinja2==2.10',
  'urllib3==1.24.1',
  'requests==2.19.0',
  'pyyaml==5.3',
  'pillow==8.0.0',
  'osv-lens-demo==1.3.2 ; python_version >= "3.9" and platform_machine != "aarch64" and sys_platform == "linux" and implementation_name == "cpython" and platform_python_implementation == "CPython"  # pinned-for-the-legacy-build-pipeline-see-the-long-ticket-number-4711-in-the-tracker',
  '',
].join('\n');

test('real data: one block per package, and the version that fixes the most when none fixes all', async () => {
  needRealData();
  const { page, problems } = await openPage(browser, '?pypi=off');
  await paste(page, WEB_APP);
  assert.equal(await audit(page), 'done');
  const blocks = await fixBlocks(page);
  const counts = await findingCounts(page);
  const django = blocks.filter((block) => block.package === 'django');
  assert.equal(django.length, 1, 'django once, however many advisories');
  assert.ok(counts['django@4.2.7'] > 10, `django findings: ${counts['django@4.2.7']}`);
  assert.equal(django[0].advisories, counts['django@4.2.7']);
  for (const block of blocks) {
    const total = counts[`${block.package}@${block.version}`];
    assert.ok(block.fixes <= total, block.package);
    if (block.to && block.fixes < total) {
      assert.match(block.text, new RegExp(`→ ${block.to.replaceAll('.', '\\.')}: fixes ${block.fixes} of ${total}`));
    } else if (block.to) {
      assert.equal(block.fixes, total, block.package);
    }
  }
  const airflow = blocks.find((block) => block.package === 'apache-airflow');
  assert.ok(airflow.to, 'a version to move to is named even when none fixes every advisory');
  assert.deepEqual(problems, []);
  await page.close();
});

for (const [width, height] of [[1280, 800], [390, 844]]) {
  test(`at ${width} px: focus moves to the summary, the skip link reaches the first fix, nothing overflows`, async () => {
    needRealData();
    const { page, problems } = await openPage(browser, '?pypi=off');
    await page.setViewportSize({ width, height });
    await paste(page, WEB_APP);
    assert.equal(await audit(page), 'done');
    await page.waitForFunction(() => document.activeElement?.dataset.testid === 'report-heading');
    const heading = await page.$eval('[data-testid=report-heading]', (node) => {
      const box = node.getBoundingClientRect();
      return { top: box.top, bottom: box.bottom, tabindex: node.getAttribute('tabindex') };
    });
    assert.equal(heading.tabindex, '-1');
    assert.ok(heading.top >= -1 && heading.bottom <= height, `the summary is in view: ${JSON.stringify(heading)}`);
    const bar = await page.$eval('[data-testid=summary-bar]', (node) => node.getBoundingClientRect().top);
    assert.ok(bar < height, 'the counts are in view too');
    // The patched file with the long line is drawn once the plans are ready; the page stays as wide as the window.
    await page.waitForSelector('[data-testid=patched-diff]');
    await page.click('[data-testid=fix] summary');
    assert.equal(await overflow(page), 0, `no horizontal overflow at ${width} px`);
    await page.screenshot({ path: join(tmpdir(), `osv-lens-report-${width}.png`) });
    // Keyboard: from the summary, one Tab to the skip link, Enter, and the first fix has the focus.
    await page.focus('[data-testid=report-heading]');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'skip-to-fixes');
    await page.keyboard.press('Enter');
    const focused = await page.evaluate(() => document.activeElement.closest('[data-testid=fix]')?.dataset.package);
    const first = await page.getAttribute('[data-testid=fix]', 'data-package');
    assert.equal(focused, first);
    assert.deepEqual(problems, []);
    await page.close();
  });
}

test('the share link is copied with a message, not followed, and an opened link stays in the address', async () => {
  const context = await browser.browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const { page, problems } = await openPage(browser, '', { context });
  await paste(page, PINNED);
  assert.equal(await audit(page), 'done');
  const href = await page.getAttribute('[data-testid=share-link]', 'href');
  const run = await page.getAttribute('[data-testid=status]', 'data-run');
  await page.click('[data-testid=share-link]');
  await page.waitForTimeout(300);
  assert.equal(await page.getAttribute('[data-testid=status]', 'data-run'), run, 'clicking the link does not audit again');
  assert.ok(!page.url().includes('#'), 'the link is not followed');
  await page.click('[data-testid=share-copy]');
  await page.waitForFunction(() => /copied/i.test(document.querySelector('[data-testid=share-copied]').textContent));
  assert.equal(await page.getAttribute('[data-testid=share-copied]', 'aria-live'), 'polite');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), href);
  await page.close();

  const opened = await openPage(browser, href.slice(href.indexOf('#')), { context });
  assert.equal(await waitForEnd(opened.page), 'done');
  assert.ok(opened.page.url().endsWith(href.slice(href.indexOf('#'))), 'the address keeps the fragment');
  assert.deepEqual([...problems, ...opened.problems], []);
  await context.close();
});

test('a uv.lock gets one command for all its packages', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'osv-lens-ux-'));
  const uv = join(folder, 'uv.lock');
  writeFileSync(uv, [
    'version = 1', 'requires-python = ">=3.11"', '',
    '[[package]]', 'name = "osv-lens-demo"', 'version = "1.3.2"', 'source = { registry = "https://pypi.org/simple" }', '',
    '[[package]]', 'name = "osv-lens-major"', 'version = "1.0.0"', 'source = { registry = "https://pypi.org/simple" }', '',
  ].join('\n'));
  const { page, problems } = await openPage(browser);
  await page.setInputFiles('[data-testid=file-input]', [uv]);
  await page.waitForSelector('[data-testid=dependency]');
  assert.equal(await waitForEnd(page), 'done');
  const commands = await page.$$eval('[data-testid=fix-command]', (nodes) => nodes.map((node) => node.textContent));
  assert.deepEqual(commands, ['uv lock --upgrade-package osv-lens-demo==1.4.1 --upgrade-package osv-lens-major==2.0.0']);
  assert.deepEqual(problems, []);
  await page.close();
});

test('a file written by uv pip compile gets its compiler command, not a hand-patched file', async () => {
  const { page, problems } = await openPage(browser);
  await paste(page, [
    '# This file was autogenerated by uv via the following command:',
    '#    uv pip compile requirements.in -o requirements.txt',
    'osv-lens-demo==1.3.2 \\',
    '    --hash=sha256:1111',
    '',
  ].join('\n'));
  assert.equal(await audit(page), 'done');
  await page.waitForSelector('[data-testid=fix-commands]');
  assert.equal(await page.$('[data-testid=patched-file]'), null, 'a compiled file is not patched by hand');
  assert.deepEqual(
    await page.$$eval('[data-testid=fix-command]', (nodes) => nodes.map((node) => node.textContent)),
    ['uv pip compile requirements.in -o requirements.txt --upgrade-package osv-lens-demo==1.4.1'],
  );
  assert.deepEqual(problems, []);
  await page.close();
});

test('PyPI is said once at the top: reachable, failed with each status in What was sent, not asked again at once', async () => {
  const { page } = await openPage(browser);
  await paste(page, PINNED);
  assert.equal(await audit(page), 'done');
  assert.equal(await page.getAttribute('[data-testid=index-state]', 'data-state'), 'reachable');
  const answered = await page.$$eval('[data-testid=sent-request]', (nodes) => nodes.map((node) => node.dataset.status));
  assert.ok(answered.length > 0 && answered.every((status) => /^\d{3}$/.test(status)), answered.join(' '));
  await page.close();

  await control({ faults: [{ kind: 'status', status: 503, path_prefix: '/simple/' }] });
  const failing = await openPage(browser);
  await paste(failing.page, PINNED);
  assert.equal(await audit(failing.page, { timeout: 120_000 }), 'done');
  const line = '[data-testid=index-state]';
  assert.equal(await failing.page.getAttribute(line, 'data-state'), 'failed');
  assert.match(await failing.page.textContent(line), /^PyPI: failed; all \d+ release lists could not be read \(PyPI answered HTTP 503\)/);
  assert.equal(await failing.page.locator(line).count(), 1, 'said once');
  const plans = await failing.page.$$eval('[data-testid=fix-plan]', (nodes) => nodes.map((node) => node.textContent));
  assert.ok(plans.length > 0 && plans.every((text) => !/release list|PyPI/.test(text)), 'not in every plan');
  const simple = await failing.page.$$eval('[data-testid=sent-request]', (nodes) => nodes
    .filter((node) => node.dataset.url.includes('/simple/')).map((node) => [node.dataset.status, node.textContent]));
  assert.ok(simple.length >= 3, 'release-list requests, retried');
  for (const [status, text] of simple) {
    assert.equal(status, '503');
    assert.match(text, /\b503\b/);
  }
  // A second audit at once does not ask the failing index again, and says the failure is remembered.
  await control({ faults: [{ kind: 'status', status: 503, path_prefix: '/simple/' }] });
  assert.equal(await audit(failing.page), 'done');
  assert.deepEqual((await pypiLog()).filter((entry) => entry.path.startsWith('/simple/')), []);
  assert.equal(await failing.page.getAttribute(line, 'data-state'), 'failed');
  assert.match(await failing.page.textContent(line), /asked again after 2 minutes/);
  await failing.page.close();
});

test('the PyPI setting switches the index off, and the top says so', async () => {
  const { page, problems } = await openPage(browser);
  await page.click('[data-testid=settings] summary');
  await page.uncheck('[data-testid=setting-index]');
  await paste(page, PINNED);
  assert.equal(await audit(page), 'done');
  assert.equal(await page.getAttribute('[data-testid=index-state]', 'data-state'), 'off');
  assert.match(await page.textContent('[data-testid=index-state]'), /^PyPI: off \(PyPI lookups are switched off\)/);
  assert.deepEqual(await pypiLog(), []);
  assert.deepEqual(problems, []);
  await page.close();
});

test('severity: the counts filter the findings, unknown is explained, a range wears its own badge and ranks lower', async () => {
  const { page, problems } = await openPage(browser, '?resolve=off');
  await paste(page, 'osv-lens-grouped==1.9.0\nosv-lens-major==1.5.0\nosv-lens-demo>=1.3\n');
  assert.equal(await audit(page), 'done');
  // Each kind is counted once on the page: the status no longer repeats unchecked and skipped.
  const kinds = await page.$$eval('[data-count][data-kind]', (nodes) => nodes.map((node) => node.dataset.kind));
  assert.equal(new Set(kinds).size, kinds.length, kinds.join(' '));
  assert.equal(await page.locator('.summary-chips .chip.unchecked, .summary-chips .chip.skipped').count(), 0);
  // Unknown is explained where it is counted.
  assert.match(await page.textContent('[data-testid=unknown-note]'), /no CVSS vector and no severity rating/);
  assert.match(await page.getAttribute('[data-testid=chip-unknown]', 'title'), /no CVSS vector/);
  const severities = () => page.$$eval('[data-testid=findings] [data-testid=finding]', (nodes) => nodes.map((node) => node.dataset.severity));
  const all = await severities();
  assert.ok(all.includes('critical') && all.includes('unknown'), all.join(' '));
  await page.click('[data-testid=chip-critical]');
  assert.equal(await page.getAttribute('[data-testid=chip-critical]', 'aria-pressed'), 'true');
  const critical = await severities();
  assert.ok(critical.length > 0 && critical.every((rating) => rating === 'critical'), critical.join(' '));
  assert.equal(await page.locator('[data-testid=hidden-notice]').count(), 1);
  await page.click('[data-testid=chip-critical]');
  assert.equal(await page.getAttribute('[data-testid=chip-critical]', 'aria-pressed'), 'false');
  assert.deepEqual(await severities(), all);
  // The range's critical finding (9.8) says it allows vulnerable versions, and comes after the pin's critical one
  // (9.3): a range is not a vulnerable install.
  const order = await page.$$eval('[data-testid=findings] [data-testid=finding][data-severity=critical]', (nodes) => nodes.map((node) => ({
    package: node.dataset.package, version: node.dataset.version, allows: Boolean(node.querySelector('[data-testid=allows-vulnerable]')),
  })));
  assert.deepEqual(order, [
    { package: 'osv-lens-grouped', version: '1.9.0', allows: false },
    { package: 'osv-lens-demo', version: '>=1.3', allows: true },
  ]);
  assert.match(await page.textContent('[data-testid=allows-vulnerable]'), /^allows vulnerable versions$/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('words: no raw backticks, one note for a hashed file, the match sentence only where it says something', async () => {
  const { page, problems } = await openPage(browser, '?resolve=off');
  await paste(page, [
    'osv-lens-demo==1.3.2 \\', '    --hash=sha256:1111 --hash=sha256:2222',
    'osv-lens-major==1.5.0 \\', '    --hash=sha256:3333',
    'osv-lens-other>=2.0,<2.3', '',
  ].join('\n'));
  assert.equal(await audit(page), 'done');
  await page.waitForSelector('[data-testid=patched-file]');
  const notes = await page.$$eval('.notes li', (nodes) => nodes.map((node) => node.textContent));
  assert.equal(notes.length, 1, notes.join(' | '));
  assert.match(notes[0], /--hash on 2 lines: .* recompile the file/);
  // Everything the page says outside the paste box and the advisories' own Markdown is free of raw backticks.
  await page.$$eval('details', (nodes) => nodes.forEach((node) => { node.open = true; }));
  const text = await page.evaluate(() => {
    const clone = document.body.cloneNode(true);
    clone.querySelectorAll('textarea, .markdown, script, style').forEach((node) => node.remove());
    return clone.textContent;
  });
  assert.ok(!text.includes('`'), text.slice(Math.max(0, text.indexOf('`') - 80), text.indexOf('`') + 80));
  // "Listed in the record's affected versions" is not repeated on the cards; a range's reason is.
  const faces = await page.$$eval('[data-testid=finding] .finding-meta', (nodes) => nodes.map((node) => node.textContent));
  assert.ok(faces.every((face) => !/listed in the record/.test(face)), faces.join(' | '));
  assert.ok(faces.some((face) => /Matched: in the range introduced/.test(face)), faces.join(' | '));
  assert.deepEqual(problems, []);
  await page.close();
});

test('keyboard: one Tab stop per collapsed advisory block, the first fix within two Tabs of the summary', async () => {
  const { page, problems } = await openPage(browser);
  await paste(page, PINNED);
  assert.equal(await audit(page), 'done');
  await page.waitForFunction(() => document.activeElement?.dataset.testid === 'report-heading');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  const first = await page.getAttribute('[data-testid=fix]', 'data-package');
  assert.equal(await page.evaluate(() => document.activeElement.closest('[data-testid=fix]')?.dataset.package), first);
  // From the first block, each Tab lands on the next block: its advisories' links are not stops while it is closed.
  const blocks = await page.locator('[data-testid=fix]').count();
  const visited = [first];
  for (let step = 1; step < blocks; step += 1) {
    await page.keyboard.press('Tab');
    visited.push(await page.evaluate(() => document.activeElement.closest('[data-testid=fix]')?.dataset.package));
  }
  assert.deepEqual(visited, await page.$$eval('[data-testid=fix]', (nodes) => nodes.map((node) => node.dataset.package)));
  assert.deepEqual(problems, []);
  await page.close();
});

test('the Markdown export leads with the fixes table and lists each advisory on one line', async () => {
  const { page, problems } = await openPage(browser);
  await paste(page, PINNED);
  assert.equal(await audit(page), 'done');
  await page.waitForSelector('[data-testid=share-link]');
  const [file] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export-markdown]')]);
  const text = readFileSync(await file.path(), 'utf8');
  assert.ok(text.length < 65_536);
  const table = text.indexOf('| Package | From | To | Fixes | Worst |');
  assert.ok(table > 0 && table < text.indexOf('<details>'), text);
  assert.match(text, /^\| `osv-lens-demo` \| `1\.3\.2` \| `1\.4\.1` \| 2 of 2 \| Critical \|$/m);
  assert.match(text, /^- \[OSVLENS-TEST-5\]\(https:\/\/osv\.dev\/vulnerability\/OSVLENS-TEST-5\) · Unknown/m);
  assert.deepEqual(problems, []);
  await page.close();
});

test('several files: a file filter, and one fix block per package across them', async () => {
  const folder = mkdtempSync(join(tmpdir(), 'osv-lens-files-'));
  const [web, worker] = [join(folder, 'requirements.txt'), join(folder, 'requirements-dev.txt')];
  writeFileSync(web, 'osv-lens-demo==1.3.2\nosv-lens-major==1.5.0\n');
  writeFileSync(worker, 'osv-lens-demo==1.3.2\n');
  const { page, problems } = await openPage(browser);
  await page.setInputFiles('[data-testid=file-input]', [web, worker]);
  await page.waitForSelector('[data-testid=dependency]');
  assert.equal(await waitForEnd(page), 'done');
  const cards = () => page.$$eval('[data-testid=findings] [data-testid=finding]', (nodes) => nodes.map((node) => node.dataset.package));
  assert.equal((await cards()).length, 5);
  const demo = await page.$$eval('[data-testid=fix][data-package=osv-lens-demo]', (nodes) => nodes.map((node) => node.textContent));
  assert.equal(demo.length, 1, 'one block for both files');
  assert.match(demo[0], /In requirements\.txt, requirements-dev\.txt/);
  await page.selectOption('[data-testid=filter-file]', 'requirements-dev.txt');
  assert.deepEqual(await cards(), ['osv-lens-demo', 'osv-lens-demo']);
  await page.selectOption('[data-testid=filter-file]', '');
  assert.equal((await cards()).length, 5);
  assert.deepEqual(problems, []);
  await page.close();
});
