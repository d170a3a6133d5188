// Launches Debian's Chromium through playwright-core (never a downloaded browser).
// Where Chromium is missing, a test skips with a line naming it, except in CI (CI=true),
// where .ci/run installs it and its absence is a failure.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** A reason to skip, or false when Chromium is there (or when CI demands it). */
export function chromiumSkipReason(): string | false {
  if (existsSync(CHROMIUM_PATH) || process.env.CI === 'true') return false;
  return `Chromium not found at ${CHROMIUM_PATH} (apt-get install chromium)`;
}

/**
 * tsx compiles named functions with an `__name(fn, "name")` helper; functions passed to
 * page.evaluate carry that call into the page, so the page gets a no-op of the same name.
 */
export const PAGE_HELPERS = 'globalThis.__name = (fn) => fn;';

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}
