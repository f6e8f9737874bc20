// A report that leads with what to do (issue 23): one block per package to change before the findings, focus on
// the summary after Audit, a skip link to the first fix, no horizontal overflow at 390 and 1280 px, lockfile
// commands that install, and a share link that is copied rather than followed.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';

import { audit, control, launch, needRealData, openPage, paste, waitForEnd } from './harness.mjs';

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
