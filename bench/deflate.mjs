// permessage-deflate costs, measured on the socket layer (issue 3's figures):
//  1. server memory per idle connection: compression off, negotiated but unused, and after
//     one compressed message each way (with and without context takeover);
//  2. broadcast cost: one message to N connections that agreed server_no_context_takeover,
//     compressed once (prepareMessage + sendPrepared) against compressed per connection (send).
//   node bench/deflate.mjs [--conns 2000] [--broadcasts 50] [--size 4096]
// The server runs in this process; clients in a child process. Figures are RSS deltas and
// CPU time of this process (zlib's thread-pool work included), medians of 3 rounds.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { WebSocketServer, prepareMessage } from 'volley/ws';

const { values } = parseArgs({ options: { conns: { type: 'string', default: '2000' }, broadcasts: { type: 'string', default: '50' }, size: { type: 'string', default: '4096' } } });
const CONNS = Number(values.conns);
const BROADCASTS = Number(values.broadcasts);
// Text that compresses like chat or JSON does (about 4:1), not like zeros.
const words = ['price', 'volley', '你好', 'update', 'channel', '42.17', 'presence', 'ok', 'message', 'user'];
const MESSAGE = Array.from({ length: Number(values.size) / 6 }, (_, i) => words[(i * 7 + (i >> 3)) % words.length]).join(' ').slice(0, Number(values.size));

const gc = () => globalThis.gc?.();
const rss = () => {
  gc();
  gc();
  return process.memoryUsage().rss;
};

async function startServer(perMessageDeflate) {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate, clientTracking: true });
  await once(wss, 'listening');
  wss.on('connection', (ws) => ws.on('message', (d, b) => ws.send(d, { binary: b })));
  return wss;
}

async function clients(wss, deflate) {
  const child = fork(new URL('./deflate-clients.mjs', import.meta.url), [`ws://127.0.0.1:${wss.address().port}/`, String(CONNS), deflate ? 'on' : 'off'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const inbox = [];
  let wake;
  child.on('message', (m) => {
    if (m.error) console.error('# client error', m.error);
    inbox.push(m);
    wake?.();
  });
  const next = async (key) => {
    for (;;) {
      const i = inbox.findIndex((m) => key in m);
      if (i !== -1) return inbox.splice(i, 1)[0];
      await new Promise((r) => (wake = r));
    }
  };
  return { child, next };
}

async function memoryScenario(label, serverOption, clientDeflate, sendOne) {
  const wss = await startServer(serverOption);
  await new Promise((r) => setTimeout(r, 200));
  const before = rss();
  const { child, next } = await clients(wss, clientDeflate);
  const { extensions } = await next('open');
  if (sendOne) {
    child.send({ expect: CONNS });
    await next('ready');
    child.send({ sendOne: MESSAGE });
    await next('received');
  }
  await new Promise((r) => setTimeout(r, 300));
  const perConn = (rss() - before) / CONNS;
  child.send('exit');
  await once(child, 'exit');
  await new Promise((r) => wss.close(r));
  return { label, extensions: extensions || '(none)', bytesPerConnection: Math.round(perConn) };
}

async function broadcastScenario(mode) {
  const wss = await startServer({ serverNoContextTakeover: true, clientNoContextTakeover: true });
  const { child, next } = await clients(wss, true);
  await next('open');
  child.send({ expect: CONNS * BROADCASTS });
  await next('ready');
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < BROADCASTS; i++) {
    const text = `${i} ${MESSAGE}`;
    if (mode === 'compress once') {
      const message = prepareMessage(text);
      for (const ws of wss.clients) ws.sendPrepared(message);
    } else {
      for (const ws of wss.clients) ws.send(text);
    }
    await new Promise((r) => setImmediate(r));
  }
  await next('received');
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - start;
  child.send('exit');
  await once(child, 'exit');
  await new Promise((r) => wss.close(r));
  return { mode, serverCpuMsPerBroadcast: (used.user + used.system) / 1000 / BROADCASTS, wallMsPerBroadcast: ms / BROADCASTS };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
if (!globalThis.gc) console.log('# run with node --expose-gc for steadier memory figures');
console.log(`## Memory per connection (${CONNS} connections, ${MESSAGE.length}-byte text messages)\n`);
console.log('| state | negotiated | server RSS per connection (median of 3) |');
console.log('|---|---|---|');
const memoryCases = [
  ['compression off', false, false, false],
  ['negotiated, no message yet', true, true, false],
  ['after one message each way, context takeover', true, true, true],
  ['after one message each way, no context takeover', { serverNoContextTakeover: true, clientNoContextTakeover: true }, true, true],
];
for (const [label, server, client, send] of memoryCases) {
  const runs = [];
  for (let r = 0; r < 3; r++) runs.push(await memoryScenario(label, server, client, send));
  console.log(`| ${label} | ${runs[0].extensions} | ${Math.round(median(runs.map((x) => x.bytesPerConnection)) / 102.4) / 10} KiB |`);
}
console.log(`\n## Broadcast of one ${MESSAGE.length}-byte message to ${CONNS} connections (server_no_context_takeover)\n`);
console.log('| mode | server CPU ms per broadcast (median of 3) | wall ms per broadcast |');
console.log('|---|---|---|');
const results = { 'compress once': [], 'per connection': [] };
for (let r = 0; r < 3; r++) for (const mode of Object.keys(results)) results[mode].push(await broadcastScenario(mode));
for (const [mode, rs] of Object.entries(results)) {
  console.log(`| ${mode} | ${median(rs.map((x) => x.serverCpuMsPerBroadcast)).toFixed(2)} | ${median(rs.map((x) => x.wallMsPerBroadcast)).toFixed(2)} |`);
}
