// Serves the browser build of volley/client at a stable URL, so a page can
// `import { Client } from '/volley-client.js'` from the server it talks to.

import { readFile } from 'node:fs/promises';
import type http from 'node:http';
import { sendText } from './http-util.js';

/** The URL path of the browser bundle. */
export const CLIENT_BUNDLE_PATH = '/volley-client.js';

// dist/client/volley-client.min.js, from src/server/ (tsx) and dist/server/ alike.
const BUNDLE_FILE = new URL('../../dist/client/volley-client.min.js', import.meta.url);

let cached: Promise<Buffer | null> | undefined;

function loadBundle(): Promise<Buffer | null> {
  cached ??= readFile(BUNDLE_FILE).catch(() => {
    cached = undefined; // built later: try again on the next request
    return null;
  });
  return cached;
}

export async function serveClientBundle(res: http.ServerResponse): Promise<void> {
  const code = await loadBundle();
  if (code === null) {
    sendText(res, 404, 'The client bundle is not built: run npm run build');
    return;
  }
  res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'content-length': code.length, 'cache-control': 'no-cache' });
  res.end(code);
}
