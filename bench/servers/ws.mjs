// Bench server on npm `ws` (from bench/peers, else the project's dev dependency): echo on
// any path; connections on /pub publish to every connection on /sub.
// WS_NO_BUFFER_UTIL=1 (how npm run bench starts the "ws" row) keeps ws from loading
// bufferutil; without it ("ws-bufferutil") this server requires that bufferutil loads.
// BENCH_TLS=1 / BENCH_DEFLATE=1: wss:// and permessage-deflate (transport.mjs).
// Usage: node ws.mjs [port]  (0 or none: any free port; the ready line names it)
import './exit-with-parent.mjs';
import https from 'node:https';
import { peer } from './peers.mjs';
import { deflate, label, tls } from './transport.mjs';

const { WebSocketServer } = peer('ws');
if (!process.env.WS_NO_BUFFER_UTIL) peer('bufferutil');

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const subs = new Set();

// clientTracking off: we keep our own subscriber set, as ws suggests for broadcast.
const options = {
  maxPayload: 16 * 1024 * 1024, clientTracking: false,
  // Every message compressed (ws's default threshold leaves those under 1 KiB alone).
  ...(deflate ? { perMessageDeflate: { threshold: 0 } } : {}),
};
// wss://: ws on an https server, as ws documents.
const httpsServer = tls ? https.createServer(tls) : null;
const wss = httpsServer ? new WebSocketServer({ ...options, server: httpsServer }) : new WebSocketServer({ ...options, host: '127.0.0.1', port });

wss.on('connection', (ws, req) => {
  const path = req.url.split('?')[0];
  if (path === '/sub') {
    subs.add(ws);
    ws.on('close', () => subs.delete(ws));
  } else if (path === '/pub') {
    // ws documents broadcast as send() to each client in a loop.
    ws.on('message', (data, isBinary) => {
      for (const s of subs) s.send(data, { binary: isBinary });
    });
  } else {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  }
  ws.on('error', () => {});
});

wss.on('listening', () => console.log(`ready ${label('ws')} ${wss.address().port} pid ${process.pid}`));
httpsServer?.listen(port, '127.0.0.1');
