// Shared helpers for the browser tests: a headless Chromium per test file, the page, the local OSV API's knobs, and
// readers for the automation contract (data-testid attributes).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, deflateRawSync, deflateSync, inflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';

export const BASE = process.env.OSV_LENS_URL;
/** True when the local OSV API also serves the real PyPI records of the shared test data. */
export const REAL_DATA = process.env.OSV_LENS_REAL_DATA === '1';
/** The shared test data (`../shared/data` beside the repository, or where `OSV_LENS_SHARED_DATA` says). */
export const SHARED_DATA = process.env.OSV_LENS_SHARED_DATA;

/**
 * Fails the calling test, naming the missing path, unless the local OSV API serves the real records of the shared
 * test data. CI always has it; a test that needs it calls this first and never passes without it.
 */
export function needRealData() {
  if (!REAL_DATA) {
    const path = SHARED_DATA ? join(SHARED_DATA, 'osv-pypi/records') : 'the shared test data (OSV_LENS_SHARED_DATA)';
    throw new Error(`${path} is absent: this test needs the real OSV records`);
  }
}

if (!BASE) {
  throw new Error('OSV_LENS_URL is not set: run the browser tests through `cargo xtask test`');
}

/** The Chromium binary the tests and the bench run. */
export const CHROMIUM = process.env.OSV_LENS_CHROMIUM || '/usr/bin/chromium';

/** The switches every Chromium of the tests and the bench starts with, then `OSV_LENS_CHROMIUM_ARGS`. */
export const CHROMIUM_SWITCHES = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ...(process.env.OSV_LENS_CHROMIUM_ARGS || '').split(' ').filter(Boolean)];

/** Launches Chromium. Each page opened by `openPage` gets a context of its own, so storage never leaks between tests. */
export async function launch() {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_SWITCHES });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

/**
 * Opens the page in a fresh context (empty storage). Collects console errors, uncaught page errors and every request
 * the page makes. `query` is appended to the URL (for example `?osv=...`). Closing the page closes its context.
 */
export async function openPage(launched, query = '', { context: shared } = {}) {
  const context = shared ?? await launched.browser.newContext();
  const page = await context.newPage();
  if (!shared) page.on('close', () => { context.close().catch(() => {}); });
  const problems = [];
  const requests = [];
  page.on('console', (message) => {
    // PyPI answers 404 for a package it does not have (the test packages); the page falls back to the advisories'
    // versions and says so, but the browser still logs the 404.
    const pypiNotFound = /\/simple\/[^/]+\/$/.test(message.location()?.url ?? '') && /404/.test(message.text());
    if (message.type() === 'error' && !pypiNotFound) problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (request) => requests.push({ method: request.method(), url: request.url(), body: request.postData() }));
  await page.goto(`${BASE}/${query}`, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('[data-testid=status]');
  return { page, problems, requests, context };
}

/** Sets the local OSV API's knobs; also clears its request log. */
export async function control(knobs = {}) {
  const response = await fetch(`${BASE}/__control`, { method: 'POST', body: JSON.stringify(knobs) });
  if (!response.ok) throw new Error(`control failed: ${response.status} ${await response.text()}`);
}

/** The API requests the local server received since the last `control`. */
export async function apiLog() {
  return (await fetch(`${BASE}/__log`)).json();
}

/** The package-index requests (`/simple/…` pages and `/files/…`) the local server received since the last `control`. */
export async function pypiLog() {
  return (await fetch(`${BASE}/__index-log`)).json();
}

/** Clicks the button `selector` and returns the file it downloads: its suggested name and its text. */
export async function download(page, selector) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  return { name: file.suggestedFilename(), text: readFileSync(await file.path(), 'utf8') };
}

/** The file the export `format` downloads (`[data-testid=export-<format>]`). */
export async function exportFile(page, format) {
  return download(page, `[data-testid=export-${format}]`);
}

/** Replaces the paste box's text. */
export async function paste(page, text) {
  await page.fill('[data-testid=input]', text);
}

/**
 * Clicks Audit and waits for that audit to end. Returns the final `data-state`. The status's audit number
 * (`data-run`) tells the new audit from the one before it: right after the click, the status may still say `done`
 * for the previous audit until the page has drawn the new one.
 */
export async function audit(page, { timeout = 60_000 } = {}) {
  const previousRun = await page.getAttribute('[data-testid=status]', 'data-run');
  await page.click('[data-testid=audit]');
  return waitForEnd(page, timeout, previousRun);
}

/**
 * Waits until the status is `done` with its fix plans confirmed against the package index (`data-fixes=ready`), or
 * `error` (for an audit numbered other than `previousRun`, when given). `{ fixes: false }` returns at `done`, before
 * the release lists.
 */
export async function waitForEnd(page, timeout = 60_000, previousRun = undefined, { fixes = true } = {}) {
  const state = await page.waitForFunction(({ previous, fixes }) => {
    const status = document.querySelector('[data-testid=status]');
    const done = status?.dataset.state === 'done' && (!fixes || status.dataset.fixes === 'ready');
    const ended = done || status?.dataset.state === 'error';
    return ended && (previous === undefined || status.dataset.run !== previous) && status.dataset.state;
  }, { previous: previousRun, fixes }, { timeout });
  return state.jsonValue();
}

/** Every dependency row as the automation contract exposes it. */
export async function dependencies(page) {
  return page.$$eval('[data-testid=dependency]', (rows) => rows.map((row) => ({
    package: row.dataset.package,
    version: row.dataset.version,
    state: row.dataset.state,
    flags: row.dataset.flags ? row.dataset.flags.split(' ') : [],
    text: row.textContent,
  })));
}

/** Every finding as the automation contract exposes it. */
export async function findings(page) {
  return page.$$eval('[data-testid=finding]', (rows) => rows.map((row) => ({
    package: row.dataset.package,
    version: row.dataset.version,
    vuln: row.dataset.vuln,
    aliases: row.dataset.aliases ? row.dataset.aliases.split(' ') : [],
    kind: row.dataset.kind,
    text: row.textContent,
  })));
}

/** The real api.osv.dev answers recorded in ../shared/data: PYSEC IDs per (name, version). */
export function recordedPypiAnswers() {
  const path = join(SHARED_DATA, 'osv-api-recordings/osv-scanner-pypi-querybatch.json');
  const interactions = JSON.parse(readFileSync(path, 'utf8'));
  const answers = new Map();
  for (const interaction of interactions) {
    interaction.request.queries.forEach((query, index) => {
      if (query.package?.ecosystem !== 'PyPI') return;
      const vulns = interaction.response.results[index].vulns ?? [];
      const ids = vulns.map((vuln) => vuln.id).filter((id) => id.startsWith('PYSEC-')).sort();
      answers.set(`${query.package.name}==${query.version}`, ids);
    });
  }
  return answers;
}

/** A zip archive of `entries` ({name, data, method}: 8 deflates, 0 stores, any other number is written as it is
 * with the data stored; `crc` overrides the CRC-32), written by hand: local headers, the central directory and its
 * end record. */
export function zipOf(entries) {
  const parts = [];
  const central = [];
  let offset = 0;
  for (const { name, data, method = 8, crc = crc32(data) } of entries) {
    const nameBytes = Buffer.from(name);
    const body = method === 8 ? deflateRawSync(data) : data;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0x5821, 12); // 2024-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(method, 10);
    header.writeUInt16LE(0x5821, 14);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(body.length, 20);
    header.writeUInt32LE(data.length, 24);
    header.writeUInt16LE(nameBytes.length, 28);
    header.writeUInt32LE(offset, 42);
    parts.push(local, nameBytes, body);
    central.push(header, nameBytes);
    offset += local.length + nameBytes.length + body.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(entries.length, 0xffff), 8);
  end.writeUInt16LE(Math.min(entries.length, 0xffff), 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  if (entries.length < 0xffff) return Buffer.concat([...parts, directory, end]);
  // More entries than 16 bits count: the zip64 end record and its locator carry the full count.
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(45, 12);
  record.writeUInt16LE(45, 14);
  record.writeBigUInt64LE(BigInt(entries.length), 24);
  record.writeBigUInt64LE(BigInt(entries.length), 32);
  record.writeBigUInt64LE(BigInt(directory.length), 40);
  record.writeBigUInt64LE(BigInt(offset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(offset + directory.length), 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([...parts, directory, record, locator, end]);
}

/** Milliseconds the page takes to answer a frame: a frozen or broken tab cannot answer. */
export async function responsiveness(page) {
  const started = Date.now();
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve())));
  return Date.now() - started;
}

/**
 * Adds a line at the end of the paste box, as one edit (one input event), and returns how many milliseconds the page
 * took to read it again (the read-ahead line changing): what a user feels as "the box still answers".
 */
export async function typingAnswers(page, line = 'six==1.16.0') {
  const before = await page.$eval('[data-testid=read-ahead]', (node) => node.textContent).catch(() => null);
  const started = Date.now();
  await page.focus('[data-testid=input]');
  await page.keyboard.press('Control+End');
  await page.keyboard.insertText(`\n${line}`);
  await page.waitForFunction((previous) => {
    const node = document.querySelector('[data-testid=read-ahead]');
    return node && node.textContent !== previous;
  }, before, { timeout: 10_000 });
  return Date.now() - started;
}

/** A share link's fragment (`r=v1.…`) for `shared`, made as the page makes it: zlib, then unpadded base64url. */
export function shareFragment(shared) {
  const json = Buffer.from(JSON.stringify({ created: '2026-01-01T00:00:00Z', files: [], pasted: '', settings: {}, ignores: [], ...shared }));
  return `r=v1.${deflateSync(json).toString('base64url')}`;
}

/** What a share link's fragment (or whole link) carries. */
export function readShareLink(link) {
  const payload = link.slice(link.indexOf('r=v1.') + 'r=v1.'.length);
  return JSON.parse(inflateSync(Buffer.from(payload, 'base64url')).toString('utf8'));
}
