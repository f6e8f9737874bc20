// A corpus of deep and huge inputs fed to the wasm build, each through the way a user would give it (the paste box,
// a chosen file, an advisory served by the local API, a share link). For each: no page error, a message that says
// what happened, and a paste box that still answers within a second. Natively the fuzzers have 8 MB of stack; the
// page has about 1 MB, so this is where a reader that recurses too deep shows.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import {
  BASE, audit, control, launch, openPage, paste, responsiveness, shareFragment, typingAnswers, waitForEnd,
} from './harness.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });
beforeEach(async () => { await control({}); });

const nested = (open, inner, close, levels) => `${open.repeat(levels)}${inner}${close.repeat(levels)}`;
const marker = (levels) => `six==1.16.0 ; ${nested('(', 'python_version>"3"', ')', levels)}`;
const file = (name, text) => ({ name, mimeType: 'text/plain', buffer: Buffer.from(text) });
/** Given beside every chosen file and in every share link: the rest of the input must still be audited. */
const GOOD = 'osv-lens-demo==1.3.2\n';

/** Each case: how the input is given, and the message (selector and text) the page must show. */
const CORPUS = [
  { label: 'a marker nested 5,000 deep, pasted', paste: `${marker(5_000)}\nosv-lens-demo==1.3.2\n`,
    message: ['.source-error', /nest more than 32 deep/] },
  { label: '`extra == "a" or (` nested 5,000 deep, pasted',
    paste: `six==1.16.0 ; ${nested('extra == "a" or (', 'extra == "b"', ')', 5_000)}\nosv-lens-demo==1.3.2\n`,
    message: ['.source-error', /nest more than 32 deep/] },
  { label: 'a marker nested 5,000 deep in environment.yml',
    files: [file('environment.yml', `name: x\ndependencies:\n  - pip:\n    - "${marker(5_000).replaceAll('"', "'")}"\n    - osv-lens-demo==1.3.2\n`)],
    message: ['.source-error', /environment\.yml:4:\d+/] },
  { label: 'TOML arrays nested 50,000 deep in pyproject.toml',
    files: [file('pyproject.toml', `[project]\nname = "x"\ndependencies = ${'['.repeat(50_000)}`)],
    message: ['.source-error', /pyproject\.toml:3:\d+.*invalid TOML/s] },
  { label: 'TOML inline tables nested 50,000 deep in uv.lock',
    files: [file('uv.lock', `version = 1\n\n[[package]]\nname = "a"\nversion = "1.0"\nx = ${nested('{b=', '1', '}', 50_000)}\n`)],
    message: ['.source-error', /uv\.lock:6:\d+.*invalid TOML/s] },
  { label: 'TOML just under its bound (70 levels) in pyproject.toml',
    files: [file('pyproject.toml', `[project]\nname = "x"\ndependencies = ["osv-lens-demo==1.3.2"]\nx = ${nested('[', '1', ']', 70)}\n`)],
    message: ['[data-testid=dependency][data-package=osv-lens-demo][data-state=vulnerable]', /osv-lens-demo/] },
  { label: 'JSON arrays nested 50,000 deep in pip list JSON',
    files: [file('pip-list.json', '['.repeat(50_000))], message: ['.source-error', /pip-list\.json:1:\d+.*recursion limit/s] },
  { label: 'JSON just under serde_json\'s bound (127 levels) in pip list JSON',
    files: [file('pip-list.json', `[{"name": "osv-lens-demo", "version": "1.3.2", "x": ${nested('[', '', ']', 125)}}]`)],
    message: ['[data-testid=dependency][data-package=osv-lens-demo][data-state=vulnerable]', /osv-lens-demo/] },
  { label: 'CycloneDX components nested 10,000 deep',
    files: [file('bom.json', `{"bomFormat": "CycloneDX", "components": [${nested('{"name": "a", "purl": "pkg:pypi/a@1.0", "components": [', '', ']}', 10_000)}]}`)],
    message: ['.source-error', /bom\.json:1:\d+/] },
  { label: 'CycloneDX components nested 60 deep (under the bound)',
    files: [file('bom.json', `{"bomFormat": "CycloneDX", "components": [${nested('{"name": "osv-lens-demo", "purl": "pkg:pypi/osv-lens-demo@1.3.2", "components": [', '', ']}', 60)}]}`)],
    message: ['[data-testid=dependency][data-package=osv-lens-demo][data-state=vulnerable]', /osv-lens-demo/] },
  { label: 'advisory details of emphasis, link and code openers (1 MB)',
    advisory: { text: '*_[`<', repeat: 200 * 1024 }, message: ['[data-testid=details-more]', /Show more/] },
  { label: 'advisory details of quotes nested 500,000 deep',
    advisory: { text: '> ', repeat: 500 * 1024 }, message: ['[data-testid=details-more]', /Show more/] },
  { label: 'advisory details of 1 MB of entities without `;`',
    advisory: { text: '&#x', repeat: 340 * 1024 }, message: ['[data-testid=details-more]', /Show more/] },
  { label: 'a share link carrying JSON nested 100,000 deep',
    link: shareFragment({ files: [{ name: 'pip-list.json', text: nested('[', '', ']', 100_000) }], pasted: GOOD }),
    message: ['.source-error', /pip-list\.json:1:\d+/] },
  { label: 'a share link carrying a marker nested 5,000 deep',
    link: shareFragment({ pasted: `${marker(5_000)}\nosv-lens-demo==1.3.2\n` }),
    message: ['.source-error', /nest more than 32 deep/] },
  { label: 'a share link whose paste is 6 MB',
    link: shareFragment({ pasted: 'a==1\n'.repeat(1_300_000) }), message: ['[data-testid=share-error]', /paste box takes up to 4 MB/] },
  { label: 'a share link that inflates past 8 MB',
    link: shareFragment({ pasted: ' '.repeat(9 * 1024 * 1024) }), message: ['[data-testid=share-error]', /unpacks to more than 8 MB/] },
];

for (const entry of CORPUS) {
  test(`corpus: ${entry.label}`, async () => {
    if (entry.advisory) await control({ faults: [{ kind: 'details', ...entry.advisory }] });
    const { page, problems, context } = await openPage(browser, '?pypi=off');
    if (entry.paste !== undefined) {
      await paste(page, entry.paste);
      assert.equal(await audit(page), 'done');
    } else if (entry.files) {
      await page.setInputFiles('[data-testid=file-input]', [...entry.files, file('requirements.txt', GOOD)]);
      assert.equal(await waitForEnd(page), 'done');
    } else if (entry.advisory) {
      await paste(page, 'osv-lens-demo==1.3.2\n');
      assert.equal(await audit(page), 'done');
      const started = Date.now();
      await page.click('[data-testid=finding] details.finding-details > summary');
      await page.waitForSelector('[data-testid=advisory-details]', { timeout: 20_000 });
      console.log(`# ${entry.label}: details drawn in ${Date.now() - started} ms`);
    } else if (entry.link) {
      await page.goto(`${BASE}/?pypi=off#${entry.link}`);
      await page.waitForSelector(`${entry.message[0]}, [data-testid=share-error]`, { timeout: 30_000 });
      if (!entry.message[0].includes('share-error')) assert.equal(await waitForEnd(page), 'done');
    }
    if (!entry.advisory && !entry.message[0].includes('share-error')) {
      const good = await page.$('[data-testid=dependency][data-package=osv-lens-demo][data-state=vulnerable]');
      assert.ok(good, 'the rest of the input is audited');
    }
    const [selector, text] = entry.message;
    await page.waitForSelector(selector, { timeout: 30_000 });
    const messages = await page.$$eval(selector, (nodes) => nodes.map((node) => node.textContent));
    assert.ok(messages.some((message) => text.test(message)), `${selector}: ${messages.join(' | ').slice(0, 500)}`);
    assert.ok(await responsiveness(page) < 1_000, 'the tab answers a frame');
    const typing = await typingAnswers(page);
    console.log(`# ${entry.label}: typing answered in ${typing} ms`);
    assert.ok(typing < 1_000, `typing answered in ${typing} ms`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}
