import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';

/** Debian's Chromium; `.ci/run` installs it with apt-get when it is missing. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Screenshots of each step, for a person to look at after a run (git-ignored). */
export const ARTIFACTS_DIR = resolve(__dirname, '../../../test-artifacts/browser');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS_DIR, `${name}.png`), fullPage: true });
}

/** A new browser context with the demo app open and signed in as `userId`. */
export async function signedInPage(
  browser: Browser,
  webUrl: string,
  userId: string,
  name: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
  const page = await context.newPage();
  await page.goto(webUrl);
  await page.getByLabel('User id').fill(userId);
  await page.getByLabel('Display name').fill(name);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('connection-state').filter({ hasText: 'open' }).waitFor();
  return { context, page };
}

/** Joins `room` through the room box and waits until the room view says it is joined. */
export async function openRoom(page: Page, room: string): Promise<void> {
  await page.getByLabel('Room name').fill(room);
  await page.getByRole('button', { name: 'Join', exact: true }).click();
  await roomJoined(page, room);
}

/** Waits until the room view titled `title` says its room is joined. */
export async function roomJoined(page: Page, title: string): Promise<void> {
  await page
    .getByRole('region', { name: `Room ${title}` })
    .getByTestId('room-status')
    .filter({ hasText: /^joined$/ })
    .waitFor();
}

export async function sendMessage(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
}

/** The texts of the open room's messages, in the order shown. */
export function messageTexts(page: Page): Promise<string[]> {
  return page.getByTestId('message-text').allTextContents();
}

/**
 * Resolves once `read()` gives `expected` (compared as JSON), polling every 50 ms; at the deadline
 * rejects with what was last seen.
 */
export async function until<T>(
  read: () => Promise<T>,
  expected: T,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = await read();
  while (JSON.stringify(seen) !== JSON.stringify(expected)) {
    if (Date.now() > deadline)
      throw new Error(`${what}: expected ${JSON.stringify(expected)}, saw ${JSON.stringify(seen)}`);
    await new Promise((done) => setTimeout(done, 50));
    seen = await read();
  }
}
