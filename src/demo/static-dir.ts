// Where scripts/build-web.ts writes the demo pages. The same relative path works from
// src/demo/ (run through tsx) and from dist/demo/ (compiled): both sit two levels under
// the package root.

import { fileURLToPath } from 'node:url';

/** The built pages folder, `dist/web` of the package; serve it with `staticDir`. */
export function demoStaticDir(): string {
  return fileURLToPath(new URL('../../dist/web/', import.meta.url));
}
