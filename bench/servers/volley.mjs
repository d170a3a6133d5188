// Bench server on Volley, importing only the public package entry `volley/ws`:
// echo on any path; connections on /pub publish to every connection on /sub.
// BENCH_TLS=1 / BENCH_DEFLATE=1: wss:// and permessage-deflate (transport.mjs).
// Usage: node volley.mjs [port]  (0 or none: any free port; the ready line names it). Needs `npm run build`.
import './exit-with-parent.mjs';
import https from 'node:https';
import { WebSocketServer, prepareMessage } from 'volley/ws';
import { deflate, label, tls } from './transport.mjs';

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const subs = new Set();

const options = {
  maxPayload: 16 * 1024 * 1024, clientTracking: false,
  // Every message compressed (the default threshold leaves those under 1 KiB alone).
  ...(deflate ? { perMessageDeflate: { threshold: 0 } } : {}),
};
// wss://: Volley's server attached to an https server (its documented `server` option).
const httpsServer = tls ? https.createServer(tls) : null;
const wss = httpsServer ? new WebSocketServer({ ...options, server: httpsServer }) : new WebSocketServer({ ...options, host: '127.0.0.1', port });

wss.on('connection', (ws, req) => {
  const path = req.url.split('?')[0];
  if (path === '/sub') {
    subs.add(ws);
    ws.on('close', () => subs.delete(ws));
  } else if (path === '/pub') {
    // Frame once, write the same bytes to every subscriber (compressed once too, with deflate).
    ws.on('message', (data, isBinary) => {
      const msg = prepareMessage(data, { binary: isBinary });
      for (const s of subs) s.sendPrepared(msg);
    });
  } else {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  }
  ws.on('error', () => {});
});

wss.on('listening', () => console.log(`ready ${label('volley')} ${wss.address().port} pid ${process.pid}`));
httpsServer?.listen(port, '127.0.0.1');
