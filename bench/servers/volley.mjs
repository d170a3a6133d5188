// Bench server on Volley, importing only the public package entry `volley/ws`:
// echo on any path; connections on /pub publish to every connection on /sub.
// Usage: node volley.mjs [port]  (0 or none: any free port; the ready line names it). Needs `npm run build`.
import './exit-with-parent.mjs';
import { WebSocketServer, prepareMessage } from 'volley/ws';

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const subs = new Set();

const wss = new WebSocketServer({ host: '127.0.0.1', port, maxPayload: 16 * 1024 * 1024, clientTracking: false });

wss.on('connection', (ws, req) => {
  const path = req.url.split('?')[0];
  if (path === '/sub') {
    subs.add(ws);
    ws.on('close', () => subs.delete(ws));
  } else if (path === '/pub') {
    // Frame once, write the same bytes to every subscriber.
    ws.on('message', (data, isBinary) => {
      const msg = prepareMessage(data, { binary: isBinary });
      for (const s of subs) s.sendPrepared(msg);
    });
  } else {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  }
  ws.on('error', () => {});
});

wss.on('listening', () => console.log(`ready volley ${wss.address().port} pid ${process.pid}`));
