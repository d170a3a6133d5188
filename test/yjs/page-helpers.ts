// Driving the Docs page in Chromium: a browser per person, waiting for the page's
// document (window.volleyDocs) to hold a text, typing at the start or the end.

import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PAGE_HELPERS } from '../support/chromium.js';

export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
export const WAIT = { timeout: 60_000 };

export interface PageDocs {
  text(): string;
  provider: { synced: boolean; access?: string; subscription: { publish(data: unknown): Promise<unknown> } };
}

/** Opens `url` in a browser context of its own (another person's browser) and waits until synced. */
export async function openDocs(browser: Browser, contexts: BrowserContext[], url: string, name: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 640 }, deviceScaleFactor: 1 });
  contexts.push(context);
  await context.addInitScript((value) => localStorage.setItem('volley-demo-name', value), name);
  const page = await context.newPage();
  await page.addInitScript(PAGE_HELPERS);
  page.on('pageerror', (error) => console.log(`# page error (${name}): ${error.message}`));
  await page.goto(url);
  await waitSynced(page);
  return page;
}

export function waitSynced(page: Page): Promise<unknown> {
  return page.waitForFunction(() => (window as unknown as { volleyDocs?: PageDocs }).volleyDocs?.provider.synced === true, undefined, WAIT);
}

export function textOf(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { volleyDocs: PageDocs }).volleyDocs.text());
}

/** Waits until `check(text, arg)` holds in the page (`check` runs there: it sees only its arguments). */
export async function waitText<A>(page: Page, check: (text: string, arg: A) => boolean, what: string, arg?: A): Promise<void> {
  await page.waitForFunction(`(${check.toString()})(window.volleyDocs.text(), ${JSON.stringify(arg ?? null)})`, undefined, WAIT).catch(async (error: unknown) => {
    throw new Error(`${what}: the page holds ${JSON.stringify(await textOf(page))}`, { cause: error });
  });
}

export async function typeAt(page: Page, where: 'start' | 'end', text: string): Promise<void> {
  await page.click('.cm-content');
  await page.keyboard.press(where === 'start' ? 'Control+Home' : 'Control+End');
  await page.keyboard.type(text);
}

/** True when the characters of `part` appear in `text` in order (typing at once may interleave). */
export function isSubsequence(part: string, text: string): boolean {
  let at = 0;
  for (const char of text) if (char === part[at]) at += 1;
  return at === part.length;
}
