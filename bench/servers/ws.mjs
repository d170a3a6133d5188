// Bench server on npm `ws` (from bench/peers, else the project's dev dependency): echo on
// any path; connections on /pub publish to every connection on /sub.
// WS_NO_BUFFER_UTIL=1 (how npm run bench starts the "ws" row) keeps ws from loading
// bufferutil; without it ("ws-bufferutil") this server requires that bufferutil loads.
// Usage: node ws.mjs [port]  (0 or none: any free port; the ready line names it)
import './exit-with-parent.mjs';
import { peer } from './peers.mjs';

const { WebSocketServer } = peer('ws');
if (!process.env.WS_NO_BUFFER_UTIL) peer('bufferutil');

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const subs = new Set();

// clientTracking off: we keep our own subscriber set, as ws suggests for broadcast.
const wss = new WebSocketServer({ host: '127.0.0.1', port, maxPayload: 16 * 1024 * 1024, clientTracking: false });

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

wss.on('listening', () => console.log(`ready ws ${wss.address().port} pid ${process.pid}`));
