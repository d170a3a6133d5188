// Serves files from one directory for GET and HEAD, never outside it: neither by `..` in
// the path nor through a symbolic link that points elsewhere.

import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export type StaticHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** Resolves to true when it answered the request, false when there is no such file. */
export function createStaticHandler(directory: string): StaticHandler {
  const root = resolve(directory);
  // The folder itself may be reached through a link; what it contains may not lead out.
  let realRoot: Promise<string> | undefined;
  /** The file's real path when it lies inside the folder; undefined otherwise. */
  const realInside = async (file: string): Promise<string | undefined> => {
    realRoot ??= realpath(root).catch(() => {
      realRoot = undefined; // not there yet: ask again next time
      return root;
    });
    const [base, real] = await Promise.all([realRoot, realpath(file).catch(() => undefined)]);
    return real !== undefined && real.startsWith(base + sep) ? real : undefined;
  };
  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      return false;
    }
    if (pathname.includes('\0')) return false;
    let file = resolve(join(root, pathname));
    if (file !== root && !file.startsWith(root + sep)) return false;
    let info = await stat(file).catch(() => undefined);
    if (info?.isDirectory()) {
      file = join(file, 'index.html');
      info = await stat(file).catch(() => undefined);
    }
    if (info === undefined || !info.isFile()) return false;
    const real = await realInside(file);
    if (real === undefined) return false;
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': info.size,
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    const stream = createReadStream(real);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
    return true;
  };
}
