// A reconnect storm: 1,000 clients lose the server at once. Full jitter must spread their
// attempts over the backoff window (the histogram is printed), and all must come back
// and resubscribe. The window is small to keep the test fast; nothing asserts durations.
// All 1,000 sockets live in this one process, so timers fire late while the loop is busy
// with them: the printed times include that lag, which can only widen the spread.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../src/client/node.js';
import { WebSocket as NodeWebSocket } from '../../src/ws/index.js';
import { mintToken, sleep, startServer, until, type TestServer } from './helpers.js';

const CLIENTS = 1_000;
const MIN_DELAY_MS = 300;
const MAX_DELAY_MS = 1_200;
const DOWNTIME_MS = 1_500;
const BUCKET_MS = 100;
const FIRST_BUCKET_MS = 25;

const clients: Client[] = [];
let current: TestServer | undefined;
after(async () => {
  for (const client of clients) client.disconnect();
  await current?.server.close();
});

function histogram(times: number[], bucketMs: number): number[] {
  const buckets: number[] = [];
  for (const time of times) {
    const index = Math.floor(time / bucketMs);
    while (buckets.length <= index) buckets.push(0);
    buckets[index]! += 1;
  }
  return buckets;
}

function printHistogram(title: string, buckets: number[], bucketMs: number): void {
  const widest = Math.max(...buckets);
  console.log(`# ${title}`);
  for (const [i, count] of buckets.entries()) {
    const bar = '#'.repeat(Math.round((count / widest) * 50));
    console.log(`# ${String(i * bucketMs).padStart(5)}-${String((i + 1) * bucketMs).padEnd(5)} ms ${String(count).padStart(4)} ${bar}`);
  }
}

test(`storm: ${CLIENTS} clients lose the server at once, spread their reconnects, and all resubscribe`, async () => {
  current = await startServer();
  const port = current.port;
  let lost = false;
  /** When each client noticed the loss (its `connecting` event). */
  const lossTimes = new Array<number>(CLIENTS).fill(0);
  /** Attempts after the loss: [client index, performance.now()]. */
  const attempts: Array<[number, number]> = [];
  const token = await mintToken('storm');
  const subscribedCounts = new Array<number>(CLIENTS).fill(0);
  for (let i = 0; i < CLIENTS; i++) {
    // An injected WebSocket that notes the time of each connection attempt.
    class CountingWebSocket extends NodeWebSocket {
      constructor(url: string, protocols?: string | string[]) {
        if (lost) attempts.push([i, performance.now()]);
        super(url, protocols);
      }
    }
    const client = new Client(current.url, {
      token,
      WebSocket: CountingWebSocket,
      minReconnectDelayMs: MIN_DELAY_MS,
      maxReconnectDelayMs: MAX_DELAY_MS,
    });
    clients.push(client);
    client.on('connecting', () => {
      if (lost) lossTimes[i] ||= performance.now();
    });
    client.subscribe(`live:room${i % 10}`).on('subscribed', () => (subscribedCounts[i]! += 1));
    client.connect();
  }
  await until(() => subscribedCounts.every((count) => count === 1), 'all subscribed', 60_000);

  lost = true;
  await current.server.close();
  await sleep(DOWNTIME_MS);
  current = await startServer({ port });
  await until(() => subscribedCounts.every((count) => count === 2), 'all back and resubscribed', 60_000);
  assert.ok(clients.every((client) => client.state === 'connected'));

  // Delay of each client's first attempt after it noticed the loss: the jitter itself.
  const firstAttempt = new Map<number, number>();
  for (const [index, time] of attempts) if (!firstAttempt.has(index)) firstAttempt.set(index, time - lossTimes[index]!);
  const firstBuckets = histogram([...firstAttempt.values()], FIRST_BUCKET_MS);
  // Every attempt on one clock, from the first moment any client noticed the loss.
  const start = Math.min(...lossTimes);
  console.log(`# the ${CLIENTS} clients noticed the loss within ${Math.round(Math.max(...lossTimes) - start)} ms of each other`);
  const allBuckets = histogram(attempts.map(([, time]) => time - start), BUCKET_MS);
  printHistogram(`delay of each client's first reconnect attempt after it saw the loss (${firstAttempt.size} clients, ceiling ${MIN_DELAY_MS} ms)`, firstBuckets, FIRST_BUCKET_MS);
  printHistogram(`every attempt (${attempts.length}) from the loss until all were back (server down ${DOWNTIME_MS} ms, max ceiling ${MAX_DELAY_MS} ms)`, allBuckets, BUCKET_MS);

  assert.equal(firstAttempt.size, CLIENTS, 'every client tried again');
  // Spread, not a wave: no bucket holds a large share of the clients, and most buckets of
  // the first window are used.
  assert.ok(Math.max(...firstBuckets) < CLIENTS / 4, 'first attempts are not bunched in one bucket');
  assert.ok(firstBuckets.filter((count) => count > 0).length >= 5, 'first attempts fill the first window');
  assert.ok(allBuckets.filter((count) => count > 0).length >= 5, 'attempts are spread over the backoff window');
});
