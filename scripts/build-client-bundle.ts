// Builds the browser bundle of volley/client: one minified ES module with the wire
// protocol types inlined. Run by `npm run build` (through `npm run build:client`);
// a build-time tool, kept out of src/ so that esbuild never reaches dist/.

import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export const BUNDLE_ENTRY = fileURLToPath(new URL('../src/client/index.ts', import.meta.url));
export const BUNDLE_OUTFILE = fileURLToPath(new URL('../dist/client/volley-client.min.js', import.meta.url));

export interface BundleResult {
  code: string;
  bytes: number;
  gzipBytes: number;
}

/** Bundles the client; writes `outfile` when given, and returns the code and its sizes. */
export async function buildClientBundle(outfile?: string): Promise<BundleResult> {
  const result = await build({
    entryPoints: [BUNDLE_ENTRY],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    write: false,
    ...(outfile === undefined ? {} : { outfile }),
  });
  const code = result.outputFiles[0]!.text;
  if (outfile !== undefined) {
    await mkdir(dirname(outfile), { recursive: true });
    await writeFile(outfile, code);
  }
  return { code, bytes: Buffer.byteLength(code), gzipBytes: gzipSync(code).length };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { bytes, gzipBytes } = await buildClientBundle(BUNDLE_OUTFILE);
  console.log(`${BUNDLE_OUTFILE}: ${bytes} bytes, ${gzipBytes} bytes gzipped`);
}
