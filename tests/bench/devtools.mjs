// A bare Chromium for the bench's page audits, driven over the DevTools protocol on a pipe, with no domain enabled
// but what each step needs. Playwright enables DevTools' Network domain on every page it drives: the renderer then
// records every request and keeps every answer for the inspector, work on the main thread that no user pays (its
// cost is in docs/benchmarks.md). The audits are timed here without it; the other measurements, which make no
// requests while timed, stay with Playwright.
//
// The page objects offer the few calls of Playwright's `Page` that the bench uses, with the same shapes:
// `evaluate(fn, arg)`, `waitForFunction(fn, arg, { timeout, polling })` and `click(selector)`.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CHROMIUM, CHROMIUM_SWITCHES } from '../browser/harness.mjs';

/** Starts Chromium with the same switches as the browser tests, and the DevTools protocol on fds 3 and 4. */
export async function launchBare() {
  const profile = mkdtempSync(join(tmpdir(), 'osv-lens-bench-'));
  const chromium = spawn(CHROMIUM, [
    ...CHROMIUM_SWITCHES, '--remote-debugging-pipe', `--user-data-dir=${profile}`, 'about:blank',
  ], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
  const [, , , toBrowser, fromBrowser] = chromium.stdio;

  let nextId = 0;
  const pending = new Map();
  const listeners = new Set();
  let buffered = Buffer.alloc(0);
  fromBrowser.on('data', (chunk) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (let end = buffered.indexOf(0); end >= 0; end = buffered.indexOf(0)) {
      const message = JSON.parse(buffered.subarray(0, end).toString('utf8'));
      buffered = buffered.subarray(end + 1);
      if (message.id !== undefined) {
        const { resolve, reject, method } = pending.get(message.id);
        pending.delete(message.id);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result);
      } else {
        for (const listener of listeners) listener(message);
      }
    }
  });
  const exited = new Promise((resolve) => {
    chromium.on('exit', resolve);
    // A binary that cannot be started ends the same way, with the reason in the pending commands' errors.
    chromium.on('error', (error) => {
      console.error(`bench: Chromium could not be started: ${error.message}`);
      resolve();
    });
  });
  let gone = false;
  // Writing to a Chromium that is gone fails; the commands waiting for it are rejected below.
  toBrowser.on('error', () => {});
  exited.then(() => {
    gone = true;
    rmSync(profile, { recursive: true, force: true });
    for (const { reject, method } of pending.values()) reject(new Error(`${method}: Chromium exited`));
    pending.clear();
  });

  /** Sends one command, to the browser or to an attached page's session. */
  const send = (method, params = {}, sessionId = undefined) => new Promise((resolve, reject) => {
    if (gone) {
      reject(new Error(`${method}: Chromium exited`));
      return;
    }
    nextId += 1;
    pending.set(nextId, { resolve, reject, method });
    toBrowser.write(`${JSON.stringify({ id: nextId, method, params, sessionId })}\0`);
  });

  const { product } = await send('Browser.getVersion');
  return {
    version: product.replace(/^[^/]*\//, ''),
    send,
    /** Opens `url` in a fresh browser context (empty storage), or in `context` when given. */
    async open(url, context = undefined) {
      const browserContextId = context ?? (await send('Target.createBrowserContext')).browserContextId;
      const { targetId } = await send('Target.createTarget', { url: 'about:blank', browserContextId });
      const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
      const page = barePage(send, sessionId, listeners);
      await send('Page.navigate', { url }, sessionId);
      return {
        page,
        context: browserContextId,
        close: () => send('Target.closeTarget', { targetId }),
        closeContext: () => send('Target.disposeBrowserContext', { browserContextId }),
      };
    },
    async close() {
      send('Browser.close').catch(() => {});
      const closed = await Promise.race([exited.then(() => true), new Promise((r) => { setTimeout(r, 5000, false); })]);
      if (!closed) chromium.kill('SIGKILL');
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/** What the bench needs of a page, over one DevTools session. */
function barePage(send, sessionId, listeners) {
  const evaluate = async (fn, arg) => {
    const expression = `(${fn.toString()})(${arg === undefined ? '' : JSON.stringify(arg)})`;
    const { result, exceptionDetails } = await send('Runtime.evaluate', {
      expression, awaitPromise: true, returnByValue: true,
    }, sessionId);
    if (exceptionDetails) {
      throw new Error(`evaluate: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    }
    return result.value;
  };
  return {
    evaluate,
    send: (method, params = {}) => send(method, params, sessionId),
    /**
     * Polls `fn(arg)` until it is truthy. A poll that fails while the page navigates (its context is gone) is
     * retried; a timeout throws, as Playwright's does.
     */
    async waitForFunction(fn, arg, { timeout = 30_000, polling = 50 } = {}) {
      const deadline = Date.now() + timeout;
      for (;;) {
        const value = await evaluate(fn, arg).catch(() => undefined);
        if (value) return value;
        if (Date.now() > deadline) throw new Error(`waitForFunction: timed out after ${timeout} ms`);
        await sleep(polling);
      }
    },
    async waitForSelector(selector, options) {
      await this.waitForFunction((wanted) => Boolean(document.querySelector(wanted)), selector, options);
    },
    /** A click as a user's: the pointer moves onto the element's centre, presses and releases. */
    async click(selector) {
      const [x, y] = await evaluate((wanted) => {
        const element = document.querySelector(wanted);
        element.scrollIntoView({ block: 'center' });
        const box = element.getBoundingClientRect();
        return [box.x + box.width / 2, box.y + box.height / 2];
      }, selector);
      await send('Input.dispatchMouseEvent', { type: 'mouseMoved', x, y }, sessionId);
      for (const type of ['mousePressed', 'mouseReleased']) {
        await send('Input.dispatchMouseEvent', { type, x, y, button: 'left', clickCount: 1 }, sessionId);
      }
    },
    /** Calls `handler(message)` for every event of this page whose method is `method`. */
    on(method, handler) {
      listeners.add((message) => {
        if (message.sessionId === sessionId && message.method === method) handler(message.params);
      });
    },
  };
}
