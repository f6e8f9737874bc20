// Hostile data: advisory text, input and share links full of markup must never run script, and the Content Security
// Policy must hold. Every test hooks window.alert and watches for injected elements.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import { BASE, audit, control, dependencies, findings, launch, openPage, paste, waitForEnd } from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await control({}); });

/** Asserts that nothing hostile happened: no alert, no marker set by a payload, no injected active element. */
async function assertNothingRan(page, label) {
  const report = await page.evaluate(() => ({
    alerts: window.__alerts ?? [],
    xss: window.__xss ?? null,
    scripts: [...document.querySelectorAll('#app script, #app iframe, #app object, #app embed')].length,
    handlers: [...document.querySelectorAll('#app *')]
      .flatMap((element) => [...element.attributes].map((attribute) => attribute.name))
      .filter((name) => name.startsWith('on')),
    badLinks: [...document.querySelectorAll('#app a[href]')]
      .map((anchor) => anchor.getAttribute('href'))
      .filter((href) => !/^(https?:\/\/|blob:|#)/i.test(href)),
    images: [...document.querySelectorAll('#app img')].map((image) => image.getAttribute('src')),
  }));
  assert.deepEqual(report, { alerts: [], xss: null, scripts: 0, handlers: [], badLinks: [], images: [] }, label);
}

async function hook(page) {
  await page.addInitScript(() => {
    window.__alerts = [];
    for (const name of ['alert', 'confirm', 'prompt']) {
      window[name] = (message) => { window.__alerts.push(`${name}: ${message}`); };
    }
  });
}

/** A fresh context with the page open and its alert, confirm and prompt hooked. */
async function openHooked() {
  const context = await browser.browser.newContext();
  const page = await context.newPage();
  await hook(page);
  await page.goto(`${BASE}/?pypi=off`);
  await page.waitForSelector('[data-testid=status]');
  return { context, page };
}

test('hostile advisory text renders as text, and only http(s) links become anchors', async () => {
  const { context, page } = await openHooked();
  await paste(page, 'osv-lens-xss==1.0\n');
  assert.equal(await audit(page), 'done');
  const found = await findings(page);
  assert.deepEqual(found.map((finding) => finding.vuln), ['OSVLENS-XSS-1']);
  // Open every details section so that the Markdown is rendered too.
  await page.$$eval('details', (nodes) => nodes.forEach((node) => { node.open = true; }));
  await page.waitForTimeout(100);
  const text = await page.textContent('#app');
  assert.match(text, /Summary with markup <img src=x onerror=/, 'markup in the summary is shown as text');
  assert.match(text, /window\.__xss=5/, 'raw HTML in the details is shown as text');
  const links = await page.$$eval('#app a[href]', (anchors) => anchors.map((anchor) => anchor.getAttribute('href')));
  assert.ok(links.includes('https://example.org/advisory'), 'the http(s) link in the details stays a link');
  assert.ok(links.includes('https://example.org/fix'), 'the http(s) reference stays a link');
  assert.ok(!links.some((href) => /javascript:|data:/i.test(href)), `no javascript: or data: link: ${links}`);
  await assertNothingRan(page, 'advisory');
  await context.close();
});

test('hostile names, URLs and options in the input stay text', async () => {
  const { context, page } = await openHooked();
  await paste(page, [
    '<img src=x onerror="window.__xss=20">==1.0',
    'evil @ javascript:window.__xss=21',
    'evil2 @ https://example.org/x"><script>window.__xss=22</script>',
    '-e javascript:window.__xss=23#egg=<svg/onload=window.__xss=24>',
    '--index-url "><script>window.__xss=25</script>',
    'osv-lens-demo==1.3.2 ; python_version < "<script>window.__xss=26</script>"',
  ].join('\n'));
  assert.equal(await audit(page), 'done');
  const rows = await dependencies(page);
  assert.ok(rows.length >= 5, `the entries are listed: ${rows.length}`);
  await page.$$eval('details', (nodes) => nodes.forEach((node) => { node.open = true; }));
  await assertNothingRan(page, 'input');
  await context.close();
});

test('hostile text in the parts drawn in one piece (stub cards, the dependency table) stays text', async () => {
  const { context, page } = await openHooked();
  // Forty findings ahead of it make the hostile advisory's card a stub when the report is first drawn, and a file
  // name full of markup reaches every row's title and every card's place.
  const pins = Array.from({ length: 40 }, (_, index) => `osv-lens-demo==1.3.2 ; python_version >= "3.${index}"`);
  const name = '"><img src=x onerror="window.__xss=30"><b>requirements.txt';
  await page.evaluate(() => {
    const observer = new MutationObserver(() => {
      if (document.querySelector('[data-testid=status]')?.dataset.state !== 'done') return;
      observer.disconnect();
      const card = document.querySelector('[data-testid=finding][data-vuln="OSVLENS-XSS-1"]');
      window.__atDone = {
        stub: card?.dataset.stub ?? null,
        place: card?.querySelector('.location')?.textContent ?? '',
        titles: [...document.querySelectorAll('[data-testid=dependency] .location')].map((cell) => cell.title),
        injected: [...document.querySelectorAll('#app b, #app img, #app script, #app svg')].map((node) => node.outerHTML),
      };
    });
    observer.observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
  });
  await page.setInputFiles('[data-testid=file-input]', {
    name, mimeType: 'text/plain', buffer: Buffer.from(`${pins.join('\n')}\nosv-lens-xss==1.0\n`),
  });
  assert.equal(await waitForEnd(page), 'done');
  // The page as it was drawn when the status said `done`, before the stubs were made whole.
  const drawn = await page.evaluate(() => window.__atDone);
  assert.equal(drawn.stub, 'true', 'the hostile card is first drawn as a stub');
  assert.ok(drawn.place.startsWith(name), `the file name is text in the stub: ${drawn.place}`);
  assert.ok(drawn.titles.length === 41 && drawn.titles.every((title) => title.startsWith(name)),
    'the file name is text in every row');
  assert.deepEqual(drawn.injected, [], 'no element came from the data');
  await assertNothingRan(page, 'stub cards and rows');
  await page.waitForFunction(() => document.querySelector('[data-testid=finding][data-stub]') === null);
  const whole = await page.$eval('[data-testid=finding][data-vuln="OSVLENS-XSS-1"]', (card) => ({
    summary: card.querySelector('.finding-summary')?.textContent ?? '',
    aliases: [...card.querySelectorAll('.alias')].map((alias) => alias.textContent),
  }));
  assert.match(whole.summary, /Summary with markup <img src=x onerror=/, 'the summary is text in the whole card');
  assert.ok(whole.aliases.some((alias) => alias.includes('<script>')), `the aliases are text: ${whole.aliases}`);
  await assertNothingRan(page, 'whole cards');
  await context.close();
});

test('hostile share links give a message and never run script', async () => {
  const context = await browser.browser.newContext();
  const page = await context.newPage();
  await hook(page);
  const payloads = [
    '#r=<script>window.__xss=30</script>',
    '#r=v1.%3Cimg%20src%3Dx%20onerror%3Dwindow.__xss%3D31%3E',
    '#r=v1.' + 'A'.repeat(100),
    '#r=v999.abc',
    '#"><img src=x onerror=window.__xss=32>',
  ];
  for (const fragment of payloads) {
    await page.goto(`${BASE}/?pypi=off${fragment}`);
    await page.waitForSelector('[data-testid=status]');
    await page.waitForTimeout(200);
    await assertNothingRan(page, fragment);
  }
  await context.close();
});

test('the Content Security Policy blocks an injected inline script and the page still works', async () => {
  const { page, context } = await openPage(browser, '?pypi=off');
  await page.evaluate(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__violations.push(event.violatedDirective);
    });
    const script = document.createElement('script');
    script.textContent = 'window.__xss = 40;';
    document.body.append(script);
  });
  await page.waitForTimeout(200);
  const outcome = await page.evaluate(() => ({ xss: window.__xss ?? null, violations: window.__violations }));
  assert.equal(outcome.xss, null, 'the inline script did not run');
  assert.ok(outcome.violations.some((directive) => directive.startsWith('script-src')), JSON.stringify(outcome));
  await paste(page, 'osv-lens-demo==1.3.2\n');
  assert.equal(await audit(page), 'done');
  assert.equal((await findings(page)).length, 2);
  const policy = await page.getAttribute('meta[http-equiv=Content-Security-Policy]', 'content');
  for (const part of ["default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "object-src 'none'", "base-uri 'none'"]) {
    assert.ok(policy.includes(part), `the policy has ${part}`);
  }
  await context.close();
});

/** Milliseconds the page takes to answer a trivial evaluation: a frozen tab cannot answer. */
async function responsiveness(page) {
  const started = Date.now();
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve())));
  return Date.now() - started;
}

test('100,000 lines and deeply nested JSON and TOML are refused with a message that points at the place', async () => {
  const { page, problems, context } = await openPage(browser, '?pypi=off');
  const lines = Array.from({ length: 100_000 }, (_, index) => `package-${index}==1.0`).join('\n');
  await page.evaluate((text) => {
    const area = document.querySelector('[data-testid=input]');
    area.value = text;
    area.dispatchEvent(new InputEvent('input', { bubbles: true }));
  }, lines);
  await page.click('[data-testid=audit]');
  await page.waitForSelector('.source-error', { timeout: 15_000 });
  assert.ok(await responsiveness(page) < 1_000, 'the tab answers after the refusal');
  const refusal = await page.textContent('.source-error');
  assert.match(refusal, /pasted:80001:1/);
  assert.match(refusal, /100000 lines; the limit is 80000/);
  assert.equal(await page.$('[data-testid=dependency]'), null, 'nothing of the refused input is audited');

  const nested = [
    { name: 'pip-list.json', mimeType: 'application/json', buffer: Buffer.from('['.repeat(50_000)) },
    { name: 'pyproject.toml', mimeType: 'text/plain', buffer: Buffer.from(`[project]\ndependencies = ${'['.repeat(50_000)}`) },
    { name: 'requirements.txt', mimeType: 'text/plain', buffer: Buffer.from('osv-lens-demo==1.3.2\n') },
  ];
  await paste(page, '');
  await page.setInputFiles('[data-testid=file-input]', nested);
  await page.waitForSelector('[data-testid=dependency]', { timeout: 15_000 });
  assert.equal(await waitForEnd(page), 'done');
  assert.ok(await responsiveness(page) < 1_000, 'the tab answers after the nested documents');
  const errors = await page.$$eval('.source-error', (nodes) => nodes.map((node) => node.textContent));
  assert.ok(errors.some((error) => /pip-list\.json:1:\d+/.test(error)), errors.join('\n'));
  assert.ok(errors.some((error) => /pyproject\.toml:2:\d+/.test(error)), errors.join('\n'));
  const rows = await dependencies(page);
  assert.deepEqual(rows.map((row) => [row.package, row.state]), [['osv-lens-demo', 'vulnerable']], 'the good file is audited');
  assert.deepEqual(problems, []);
  await context.close();
});
