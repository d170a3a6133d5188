// Client side of bench/deflate.mjs, in its own process: N connections to URL, with or
// without permessage-deflate offered; on command, each sends one message (echoed back),
// or all count broadcast messages. Talks to the parent over IPC.
import { WebSocket } from 'volley/ws';

const [url, countArg, deflateArg] = process.argv.slice(2);
const count = Number(countArg);
const sockets = [];
let open = 0;
let received = 0;
let target = 0;

for (let i = 0; i < count; i++) {
  const ws = new WebSocket(url, [], { perMessageDeflate: deflateArg === 'on' });
  ws.on('open', () => ++open === count && process.send({ open: true, extensions: ws.extensions }));
  ws.on('message', () => {
    if (++received === target) process.send({ received });
  });
  ws.on('error', (e) => process.send({ error: e.message }));
  sockets.push(ws);
  if (i % 200 === 199) await new Promise((r) => setTimeout(r, 20));
}

process.on('message', (msg) => {
  if (msg.expect !== undefined) {
    received = 0;
    target = msg.expect;
    process.send({ ready: true });
  }
  if (msg.sendOne !== undefined) for (const ws of sockets) ws.send(msg.sendOne);
  if (msg === 'exit') process.exit(0);
});
