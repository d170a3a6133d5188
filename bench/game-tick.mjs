// The Game demo under load: N bots (examples/game-bots.mjs, a child process) play through the
// Node SDK against a server in this process running the game service at 20 Hz.
//   node bench/game-tick.mjs [--bots 200] [--seconds 20] [--json]
// Needs the built package (npm run build).
//   tick jitter: on the server, |actual interval between two ticks of a match - configured|,
//                over every tick of every match (the first second, while bots join, is left out);
//   delivery:    the delta's tick timestamp (server clock) to its arrival at a bot (the bots'
//                clock is this machine's, so the two compare);
//   delta size:  bytes of each match's per-tick delta: binary (what is published), as base64 in
//                the JSON push (what a WebSocket carries), and the same delta as JSON data.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createServer } from '../dist/server/server.js';
import { GameService, GAME_NAMESPACE_OPTIONS } from '../dist/demo/game/index.js';

const { values } = parseArgs({
  options: {
    bots: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
  },
});
const TICK_HZ = 20;
const bots = Number(values.bots);
const seconds = Number(values.seconds);

const server = createServer({ port: 0, host: '127.0.0.1', allowAnonymous: true, namespaces: { game: { ...GAME_NAMESPACE_OPTIONS } } });
const game = new GameService(server.hub, { tickHz: TICK_HZ });
const { port } = await server.listen();

const last = new Map();
const jitter = [];
const size = { deltas: 0, binary: 0, base64: 0, json: 0 };
let measuring = false;
game.onTick = (match, _at, delta, bytes) => {
  if (measuring && delta !== undefined) {
    size.deltas += 1;
    size.binary += bytes;
    size.base64 += 4 * Math.ceil(bytes / 3);
    size.json += Buffer.byteLength(JSON.stringify(delta));
  }
  const now = performance.now();
  const previous = last.get(match);
  last.set(match, now);
  if (measuring && previous !== undefined) jitter.push(Math.abs(now - previous - 1000 / TICK_HZ));
};
setTimeout(() => { measuring = true; }, 1000).unref();

const cpu = process.cpuUsage();
const child = fork(fileURLToPath(new URL('../examples/game-bots.mjs', import.meta.url)),
  ['--url', `ws://127.0.0.1:${port}/connection/websocket`, '--bots', String(bots), '--seconds', String(seconds), '--json', '--match', 'bench'],
  { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
let out = '';
child.stdout.on('data', (chunk) => { out += chunk; });
const [code] = await once(child, 'exit');
const serverCpu = process.cpuUsage(cpu);
await game.stop();
await server.close();
if (code !== 0) throw new Error(`the bots exited with ${code}`);
const bot = JSON.parse(out.trim().split('\n').pop());

jitter.sort((a, b) => a - b);
const q = (p) => round(jitter[Math.min(jitter.length - 1, Math.floor(p * jitter.length))] ?? NaN);
const result = {
  bots, joined: bot.joined, matches: Math.ceil(bots / 16), tickHz: TICK_HZ, ticks: jitter.length,
  tickJitterMs: { p50: q(0.5), p99: q(0.99), max: q(1) },
  deliveryMs: bot.deliveryMs, deltas: bot.deltas, botErrors: bot.errors,
  deltaBytes: { binary: perDelta(size.binary), base64: perDelta(size.base64), json: perDelta(size.json) },
  serverCpuPercent: round(((serverCpu.user + serverCpu.system) / 1000 / (seconds * 1000)) * 100),
};
if (values.json) console.log(JSON.stringify(result));
else {
  console.log(`Game: ${bots} bots (${result.joined} joined) in ${result.matches} matches at ${TICK_HZ} Hz for ${seconds} s, server process ${result.serverCpuPercent}% CPU`);
  console.log(`  tick jitter  ${result.ticks} ticks: p50 ${result.tickJitterMs.p50} ms, p99 ${result.tickJitterMs.p99} ms, max ${result.tickJitterMs.max} ms`);
  console.log(`  delivery     ${result.deltas} deltas: p50 ${bot.deliveryMs.p50} ms, p99 ${bot.deliveryMs.p99} ms, max ${bot.deliveryMs.max} ms (bot errors ${bot.errors})`);
  const bytes = result.deltaBytes;
  console.log(`  delta size   ${size.deltas} deltas, per match and tick: binary ${bytes.binary} B, as base64 ${bytes.base64} B, as JSON ${bytes.json} B`);
}

function perDelta(total) {
  return size.deltas === 0 ? null : Math.round(total / size.deltas);
}

function round(ms) {
  return Math.round(ms * 100) / 100;
}
