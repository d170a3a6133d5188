// Builds the demo pages: web/src/{chat,live,devices,status}.ts bundled with the Volley client by
// esbuild (minified ES modules; code the pages share, the client above all, goes to one
// chunk that the browser caches once), web/styles.css minified, and the HTML copied.
// Output: dist/web/, which demoStaticDir() serves. The admin console (web/admin.html,
// web/src/admin.ts) is built apart into dist/admin/, which only a server with `admin`
// options serves (at /admin/), so the demo's static folder never holds it.

import { build } from 'esbuild';
import { copyFile, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const WEB = fileURLToPath(new URL('../web/', import.meta.url));
export const WEB_OUT_DIR = fileURLToPath(new URL('../dist/web/', import.meta.url));
export const ADMIN_OUT_DIR = fileURLToPath(new URL('../dist/admin/', import.meta.url));
const ADMIN_PAGE = 'admin.html';
export const PAGE_ENTRIES = ['chat', 'live', 'devices', 'docs', 'game', 'status'] as const;

export interface BuiltFile {
  /** Path inside the output folder. */
  path: string;
  bytes: number;
  gzipBytes: number;
}

/** Builds the pages into `outDir` (emptied first) and returns every file with its size. */
export async function buildWeb(outDir: string = WEB_OUT_DIR): Promise<BuiltFile[]> {
  await bundle(outDir, {
    // Named entries put chat.js, live.js, status.js and styles.css beside the HTML.
    ...Object.fromEntries(PAGE_ENTRIES.map((name) => [name, join(WEB, 'src', `${name}.ts`)])),
    styles: join(WEB, 'styles.css'),
  });
  for (const name of await readdir(WEB)) {
    if (name.endsWith('.html') && name !== ADMIN_PAGE) await copyFile(join(WEB, name), join(outDir, name));
  }
  return sizes(outDir);
}

/** Builds the admin console into `outDir` (emptied first) and returns every file with its size. */
export async function buildAdmin(outDir: string = ADMIN_OUT_DIR): Promise<BuiltFile[]> {
  await bundle(outDir, {
    admin: join(WEB, 'src', 'admin.ts'),
    styles: join(WEB, 'styles.css'),
    'admin-styles': join(WEB, 'admin-styles.css'),
  });
  await copyFile(join(WEB, ADMIN_PAGE), join(outDir, ADMIN_PAGE));
  return sizes(outDir);
}

async function bundle(outDir: string, entryPoints: Record<string, string>): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints,
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
    minify: true,
    legalComments: 'none',
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: 'warning',
  });
}

async function sizes(outDir: string): Promise<BuiltFile[]> {
  const files: BuiltFile[] = [];
  for (const name of await readdir(outDir, { recursive: true })) {
    const full = join(outDir, name);
    if (!(await stat(full)).isFile()) continue;
    const content = await readFile(full);
    files.push({ path: relative(outDir, full), bytes: content.length, gzipBytes: gzipSync(content).length });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const [dir, files] of [[WEB_OUT_DIR, await buildWeb()], [ADMIN_OUT_DIR, await buildAdmin()]] as const) {
    for (const file of files) console.log(`${file.path.padEnd(32)} ${String(file.bytes).padStart(7)} B  ${String(file.gzipBytes).padStart(6)} B gzipped`);
    const total = files.reduce((sum, f) => sum + f.gzipBytes, 0);
    console.log(`${dir}: ${files.length} files, ${total} bytes gzipped`);
  }
}
