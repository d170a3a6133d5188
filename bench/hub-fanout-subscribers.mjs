// The subscriber side of bench/hub-fanout.mjs, in its own process (pinned apart from the
// server): N WebSocket connections that each subscribe to one channel and count what arrives.
// Each message carries "k":<sequence> and "t":<send time in ms>; parsing is a cheap indexOf.
// Reports to the parent over IPC: {ready}, then {done: k, latencies} once all N have message k.
import { WebSocket } from 'volley/ws';
import { followDriver } from './fanout-driver.mjs';

const [url, countArg, mode] = process.argv.slice(2);
const count = Number(countArg);
const received = new Map(); // k -> subscribers that have it
const latencies = [];
let ready = 0;

function sequenceOf(data) {
  const at = data.indexOf('"k":');
  if (at === -1) return -1;
  let k = 0;
  for (let i = at + 4; data[i] >= 48 && data[i] <= 57; i++) k = k * 10 + data[i] - 48;
  return k;
}

function timeOf(data) {
  const at = data.indexOf('"t":');
  let t = 0;
  for (let i = at + 4; data[i] >= 48 && data[i] <= 57; i++) t = t * 10 + data[i] - 48;
  return t;
}

function onData(data) {
  const k = sequenceOf(data);
  if (k < 0) return;
  if (latencies.length < 200_000 && (k & 7) === 0) latencies.push(Date.now() - timeOf(data));
  const n = (received.get(k) ?? 0) + 1;
  if (n === count) {
    received.delete(k);
    process.send({ done: k });
  } else received.set(k, n);
}

function open(i) {
  const ws = new WebSocket(url, mode === 'hub' ? ['volley.v1'] : [], { perMessageDeflate: false });
  ws.on('open', () => {
    if (mode === 'hub') {
      ws.send('{"id":1,"method":"connect","params":{}}');
      ws.send('{"id":2,"method":"subscribe","params":{"channel":"bench:fanout"}}');
    } else if (++ready === count) process.send({ ready: true });
  });
  ws.on('message', (data) => {
    if (mode === 'hub' && data[2] === 0x69 /* "i" of {"id": a reply */) {
      if (data.includes('"id":2,"result"') && ++ready === count) process.send({ ready: true });
      return;
    }
    onData(data);
  });
  ws.on('error', (err) => process.send({ error: `${i}: ${err.message}` }));
}

// Open in batches so the server's accept queue never overflows.
for (let i = 0; i < count; i++) {
  open(i);
  if (i % 200 === 199) await new Promise((r) => setTimeout(r, 20));
}
followDriver(latencies);
