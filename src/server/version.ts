import { readFileSync } from 'node:fs';

let cached: string | undefined;

/** The package version, read from package.json (two levels up from both src/server and dist/server). */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  cached = pkg.version ?? 'unknown';
  return cached;
}
