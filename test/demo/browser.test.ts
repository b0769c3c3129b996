import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort, REPO_ROOT, startProcess, type RunningProcess } from '../support/index.js';
import { postJson } from '../support/demo-scenario.js';

/** Debian's chromium (CI installs it); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const UI_TIMEOUT_MS = 20_000;

/**
 * The demo page in a real browser, started the way the README says (`npm start`, here its launcher on
 * free ports, on the embedded default: HTTP broadcasting). Two pages, as two people in two browsers.
 */
describe('the demo page in Chromium', () => {
  let launcher: RunningProcess;
  let browser: Browser;
  let demoUrl: string;
  let httpUrl: string;
  const pageErrors: string[] = [];

  before(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH`);
    }
    const ports = { gateway: await freePort(), rpc: await freePort(), http: await freePort() };
    httpUrl = `http://127.0.0.1:${ports.http}`;
    launcher = startProcess(
      process.execPath,
      ['dist/scripts/start.js'],
      { ANYCABLE_PORT: String(ports.gateway), ANYCABLE_RPC_HOST: `127.0.0.1:${ports.rpc}`, RPC_HTTP_PORT: String(ports.http) },
      'npm start',
    );
    const [, url] = await launcher.waitForOutput(/Demo page\s+(http:\/\/\S+)/, 60_000);
    demoUrl = url!;
    // Playwright gives the browser a fresh temporary --user-data-dir of its own and adds --headless.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      timeout: 60_000,
    });
  });
  after(async () => {
    await browser?.close();
    await launcher?.stop('SIGTERM', 60_000);
  });

  /** A page in its own browser context (its own storage), with console errors and page errors recorded. */
  async function openDemo(name: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 820 } });
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    page.on('pageerror', (error) => pageErrors.push(`${name}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(`${name} console: ${message.text()}`);
    });
    await page.goto(demoUrl);
    await page.locator('#connection-status', { hasText: 'connected (anonymous)' }).waitFor();
    // npm start gives the gateway a streams secret: the feed follows the post's signed stream ($pubsub, no RPC).
    await page.locator('#comments-status', { hasText: 'following post 42 via a signed stream' }).waitFor();
    return page;
  }

  async function signInAndSubscribe(page: Page, user: string): Promise<void> {
    await page.fill('#user', user);
    await page.click('#sign-in-form button[type=submit]');
    await page.locator('#connection-status', { hasText: `connected as ${user}` }).waitFor();
    await page.click('#actuator-subscribe');
    await page.locator('#actuator-status', { hasText: 'subscribed to a1' }).waitFor();
  }

  async function speak(page: Page, message: string): Promise<void> {
    await page.fill('#speak-message', message);
    await page.press('#speak-message', 'Enter');
  }

  /** Waits (up to UI_TIMEOUT_MS) until `condition` holds in the page; fails naming `what` otherwise. */
  async function waitUntil(page: Page, condition: () => boolean, what: string): Promise<void> {
    try {
      await page.waitForFunction(condition, undefined, { timeout: UI_TIMEOUT_MS });
    } catch (error) {
      throw new Error(`${what}: not true within ${UI_TIMEOUT_MS} ms`, { cause: error });
    }
  }

  const logLine = (page: Page, user: string, message: string) =>
    page.locator('#actuator-log li', { hasText: message }).filter({ hasText: user });
  const commentItem = (page: Page, author: string, body: string) => page.locator('#comments-feed li', { hasText: body }).filter({ hasText: author });

  test('two pages on one actuator: what one types, the other sees; comments arrive live on both', async () => {
    const alice = await openDemo('alice');
    const bob = await openDemo('bob');
    // Anonymous sessions are refused the actuator: the button waits for a sign-in.
    assert.equal(await alice.isDisabled('#actuator-subscribe'), true);
    await signInAndSubscribe(alice, 'alice');
    await signInAndSubscribe(bob, 'bob');
    // Who is watching a1 (presence, joined by the channel): both names on both pages.
    for (const page of [alice, bob]) for (const user of ['alice', 'bob']) await page.locator('#actuator-watchers li', { hasText: user }).waitFor();
    assert.equal(await alice.locator('#actuator-watchers li').count(), 2);

    await speak(alice, 'open valve 3');
    await logLine(bob, 'alice', 'open valve 3').waitFor();
    await logLine(alice, 'alice', 'open valve 3').waitFor();
    await speak(bob, 'valve 3 is open');
    await logLine(alice, 'bob', 'valve 3 is open').waitFor();

    // A comment posted over HTTP (not by a page) appears live on both pages.
    const posted = await postJson(`${httpUrl}/posts/42/comments`, { author: 'carol', body: 'Posted over HTTP, seen live' });
    assert.equal(posted.status, 201, JSON.stringify(posted.body));
    await commentItem(alice, 'carol', 'Posted over HTTP, seen live').waitFor();
    await commentItem(bob, 'carol', 'Posted over HTTP, seen live').waitFor();

    // And one posted with the page's own form, by bob (his name was filled in at sign-in).
    assert.equal(await bob.inputValue('#comment-author'), 'bob');
    await bob.fill('#comment-body', 'Thanks for the update!');
    await bob.click('#comment-form button[type=submit]');
    await commentItem(alice, 'bob', 'Thanks for the update!').waitFor();
    await commentItem(bob, 'bob', 'Thanks for the update!').waitFor();
    // The poster's form is cleared when its own fetch answer arrives, which can come after the broadcast
    // reached the other page: wait for it rather than read it at once.
    await waitUntil(bob, () => (document.getElementById('comment-body') as HTMLTextAreaElement).value === '', 'the form is cleared once posted');

    mkdirSync(ARTIFACTS, { recursive: true });
    await alice.screenshot({ path: join(ARTIFACTS, 'demo-page.png'), fullPage: true });
    assert.deepEqual(pageErrors, [], 'no script errors or CSP violations on the pages');
  });

  test('a bad comment shows the server\'s validation message on the page', async () => {
    const page = await openDemo('dave');
    // The input's maxlength stops a long name in the browser; without it, the server must refuse it.
    await page.evaluate(() => document.getElementById('comment-author')!.removeAttribute('maxlength'));
    await page.fill('#comment-author', 'd'.repeat(80));
    await page.fill('#comment-body', 'x');
    await page.click('#comment-form button[type=submit]');
    await page.locator('#comment-error', { hasText: 'author must be 1 to 64 characters' }).waitFor();
    assert.equal(await page.locator('#comments-feed li').count(), 0);
  });
});
