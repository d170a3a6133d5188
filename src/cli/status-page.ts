// The page of `volley serve` listing what this server offers: at `/`, or elsewhere when the
// demo pages take `/`.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathOf, sendHtml, sendText } from '../server/http-util.js';
import type { Endpoint, ServeRoute } from './serve-route.js';

export function createStatusPage(listEndpoints: () => readonly Endpoint[], version: string, path = '/'): ServeRoute {
  return {
    endpoints: [{ kind: 'http', path, description: 'what this server offers' }],

    handleRequest(req: IncomingMessage, res: ServerResponse): boolean {
      if (pathOf(req) !== path) return false;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendText(res, 405, 'Method Not Allowed\n', { allow: 'GET, HEAD' });
        return true;
      }
      sendHtml(res, 200, renderPage(req.headers.host ?? 'localhost', listEndpoints(), version));
      return true;
    },
  };
}

function renderPage(host: string, endpoints: readonly Endpoint[], version: string): string {
  const rows = endpoints
    .map((e) => {
      const url = `${e.kind}://${host}${e.path}`;
      const link = e.kind === 'http' ? `<a href="${escapeHtml(e.path)}">${escapeHtml(url)}</a>` : `<code>${escapeHtml(url)}</code>`;
      return `<li>${link} — ${escapeHtml(e.description)}</li>`;
    })
    .join('\n');
  const echo = endpoints.find((e) => e.kind === 'ws');
  const tryIt = echo ? `<p>Try it: <code>volley connect ws://${escapeHtml(host)}${escapeHtml(echo.path)}</code></p>` : '';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Volley</title></head>
<body>
<h1>Volley ${escapeHtml(version)}</h1>
<p>This server offers:</p>
<ul>
${rows}
</ul>
${tryIt}
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
