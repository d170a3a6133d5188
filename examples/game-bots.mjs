// Bots for the Game demo: each one joins a match through the Node SDK, wanders toward the
// nearest item, and measures how long each state delta took from the server's tick to it.
//   node examples/game-bots.mjs [--url ws://127.0.0.1:8080/connection/websocket] [--bots 20]
//                               [--per-match 16] [--match bots] [--seconds 30] [--json]
// Bots fill matches `MATCH-0`, `MATCH-1`, … with `--per-match` each (the server's maxPlayers,
// default 16). It stops by itself after `--seconds`. With --json it prints one line:
// { bots, joined, deltas, deltaBytes: { mean, max }, deliveryMs: { p50, p99, max }, errors }.
// Delivery compares the delta's `at` (server clock) with this process's clock: meaningful on
// one machine only. Each bot is an anonymous connection: its player is its connection.
import { parseArgs } from 'node:util';
import { Client } from 'volley/client';
// The binary delta's decoder, shared by the server and the Game page (needs `npm run build`).
import { decodeDelta } from '../dist/demo/game/protocol.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'ws://127.0.0.1:8080/connection/websocket' },
    bots: { type: 'string', default: '20' },
    'per-match': { type: 'string', default: '16' },
    match: { type: 'string', default: 'bots' },
    seconds: { type: 'string', default: '30' },
    json: { type: 'boolean', default: false },
  },
});
const count = Number(values.bots);
const perMatch = Number(values['per-match']);
const seconds = Number(values.seconds);
if (!(count >= 1 && perMatch >= 1 && seconds > 0)) {
  console.error('--bots and --per-match must be >= 1, --seconds > 0');
  process.exit(2);
}

const delivery = [];
let deltas = 0;
let deltaBytes = 0;
let maxDeltaBytes = 0;
let joinedCount = 0;
const errors = [];

function startBot(index) {
  const match = `${values.match}-${Math.floor(index / perMatch)}`;
  const client = new Client(values.url, { name: 'game-bot' });
  const items = new Map();
  let you;
  let me;
  let ticket;
  const sub = client.newSubscription(`game:${match}`);
  sub.on('subscribed', async () => {
    try {
      const joined = await client.rpc('game.join', { match, name: `bot ${index}`, ...(ticket === undefined ? {} : { ticket }) });
      ticket = joined.ticket;
      items.clear();
      for (const item of joined.items) items.set(item.id, item);
      you = joined.you;
      me = joined.players.find((p) => p.id === you);
      joinedCount += 1;
    } catch (error) {
      errors.push(error.message);
    }
  });
  sub.on('publication', ({ data: bytes }) => {
    const data = decodeDelta(bytes);
    deltas += 1;
    deltaBytes += bytes.byteLength;
    maxDeltaBytes = Math.max(maxDeltaBytes, bytes.byteLength);
    delivery.push(Date.now() - data.at);
    if (data.full) items.clear();
    for (const item of data.items ?? []) items.set(item.id, item);
    for (const id of data.taken ?? []) items.delete(id);
    const mine = data.players?.find((p) => p.id === you);
    if (mine) me = mine;
  });
  sub.subscribe();
  client.connect();
  // Four decisions a second: head for the nearest item (inputs stay under the rpc rate limit).
  const timer = setInterval(() => {
    if (me === undefined || client.state !== 'connected') return;
    let best;
    for (const item of items.values()) {
      const d = (item.x - me.x) ** 2 + (item.y - me.y) ** 2;
      if (best === undefined || d < best.d) best = { item, d };
    }
    const dx = best ? Math.sign(best.item.x - me.x) : Math.random() * 2 - 1;
    const dy = best ? Math.sign(best.item.y - me.y) : Math.random() * 2 - 1;
    client.rpc('game.input', { match, dx, dy }).catch((error) => errors.push(error.message));
  }, 250);
  return () => {
    clearInterval(timer);
    client.disconnect();
  };
}

const stops = [];
for (let i = 0; i < count; i++) stops.push(startBot(i));
if (!values.json) console.log(`${count} bots on ${values.url}, ${Math.ceil(count / perMatch)} match(es), for ${seconds} s`);
setTimeout(() => {
  for (const stop of stops) stop();
  delivery.sort((a, b) => a - b);
  const at = (q) => (delivery.length === 0 ? null : delivery[Math.min(delivery.length - 1, Math.floor(q * delivery.length))]);
  const result = {
    bots: count,
    joined: joinedCount,
    deltas,
    deltaBytes: { mean: deltas === 0 ? null : Math.round(deltaBytes / deltas), max: maxDeltaBytes },
    deliveryMs: { p50: at(0.5), p99: at(0.99), max: at(1) },
    errors: errors.length,
    firstError: errors[0],
  };
  console.log(values.json ? JSON.stringify(result) : result);
  setTimeout(() => process.exit(0), 200).unref();
}, seconds * 1000);
