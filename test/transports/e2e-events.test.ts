// /connection/events with no SDK: a plain `EventSource` in Chromium and `curl -N` follow two
// channels through a proxy; the proxy cuts their streams mid-way while the server keeps
// publishing. EventSource reconnects by itself with `Last-Event-ID`; curl is run again with
// `-H 'Last-Event-ID: …'` (the id of the last event it printed). Each publication of each
// channel arrives exactly once, in order, across the cuts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Browser, Page } from 'playwright-core';
import { PAGE_HELPERS, chromiumSkipReason, launchChromium } from '../support/chromium.js';
import { NoUpgradeProxy } from '../support/no-upgrade-proxy.js';
import { mintToken, sleep, startServer, until, type TestServer } from '../client/helpers.js';

const CHANNELS = ['chat:events-a', 'chat:events-b'];
const PER_CHANNEL = 60;

let t: TestServer;
let proxy: NoUpgradeProxy;
let token: string;
let eventsPath: string;

before(async () => {
  t = await startServer({ transports: { heartbeatMs: 500 } });
  proxy = new NoUpgradeProxy([t.port]);
  await proxy.listen();
  token = await mintToken('reader');
  eventsPath = `/connection/events?${CHANNELS.map((c) => `channel=${encodeURIComponent(c)}`).join('&')}&token=${token}`;
});

after(async () => {
  await proxy?.close();
  await t?.server.close();
});

interface Received {
  channel: string;
  n: number;
}

/** Publishes n = from..to on every channel, in turn. */
async function publish(from: number, to: number): Promise<void> {
  for (let n = from; n <= to; n++) {
    for (const channel of CHANNELS) await t.server.publish(channel, { n });
    if (n % 10 === 0) await sleep(1);
  }
}

function assertExactlyOnce(got: Received[], who: string): void {
  for (const channel of CHANNELS) {
    const ns = got.filter((entry) => entry.channel === channel).map((entry) => entry.n);
    assert.deepEqual(ns, Array.from({ length: PER_CHANNEL }, (_, i) => i + 1), `${who}: ${channel} exactly once, in order`);
  }
}

const skipChromium = chromiumSkipReason();
if (skipChromium) console.log(`# skipping EventSource in Chromium: ${skipChromium}`);

test('a plain EventSource in Chromium, cut twice mid-stream, resumes by Last-Event-ID: nothing lost or doubled', { skip: skipChromium }, async () => {
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const page: Page = await browser.newPage();
    await page.addInitScript(PAGE_HELPERS);
    await page.goto(`${proxy.base}/`); // any page of the same origin
    await page.evaluate((path) => {
      const state = { got: [] as Array<{ channel: string; n: number }>, ids: [] as string[], opens: 0 };
      (globalThis as unknown as { events: typeof state }).events = state;
      const source = new EventSource(path);
      source.onopen = () => state.opens++;
      source.onmessage = (event) => {
        const { channel, data } = JSON.parse(event.data as string) as { channel: string; data: { n: number } };
        state.got.push({ channel, n: data.n });
        state.ids.push(event.lastEventId);
      };
    }, eventsPath);
    const read = () => page.evaluate(() => (globalThis as unknown as { events: { got: Received[]; opens: number } }).events);
    const waitFor = async (check: (state: { got: Received[]; opens: number }) => boolean, what: string) => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const state = await read();
        if (check(state)) return state;
        if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: ${JSON.stringify({ got: state.got.length, opens: state.opens })}`);
        await sleep(50);
      }
    };
    await waitFor((s) => s.opens === 1, 'the stream to open');
    await publish(1, 20);
    await waitFor((s) => s.got.length === 40, 'the first 20 per channel');
    proxy.cut();
    await publish(21, 40); // while EventSource waits to reconnect
    await waitFor((s) => s.opens === 2 && s.got.length === 80, 'the reconnect and what was missed');
    await publish(41, 50);
    proxy.cut();
    await publish(51, PER_CHANNEL);
    const state = await waitFor((s) => s.opens === 3 && s.got.length >= 2 * PER_CHANNEL, 'everything after the second cut');
    await sleep(200); // a duplicate would come right behind
    assertExactlyOnce((await read()).got, 'EventSource');
    assert.equal(state.opens, 3, 'EventSource reconnected by itself after each cut');
  } finally {
    await browser?.close();
  }
});

/** `curl -N` on the events URL through the proxy; parses the SSE it prints. */
function curl(lastEventId: string | undefined): {
  child: ChildProcess; got: Received[]; lastId: () => string | undefined; status: () => number | undefined; exited: Promise<number | null>;
} {
  const args = ['-N', '-s', '-i', `${proxy.base}${eventsPath}`];
  if (lastEventId !== undefined) args.unshift('-H', `Last-Event-ID: ${lastEventId}`);
  const child = spawn('curl', args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const got: Received[] = [];
  let id: string | undefined;
  let status: number | undefined;
  let pendingId: string | undefined;
  let data = '';
  let buffer = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      if (line.startsWith('HTTP/')) status = Number(line.split(' ')[1]);
      else if (line.startsWith('id: ')) pendingId = line.slice(4);
      else if (line.startsWith('data: ')) data = line.slice(6);
      else if (line === '' && data !== '') {
        const event = JSON.parse(data) as { channel?: string; data?: { n: number } };
        if (event.channel !== undefined && event.data !== undefined) {
          got.push({ channel: event.channel, n: event.data.n });
          id = pendingId;
        }
        data = '';
      } else if (line === '') data = '';
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, got, lastId: () => id, status: () => status, exited };
}

test('curl -N, cut mid-stream, resumed with -H "Last-Event-ID: …": nothing lost or doubled', async () => {
  const got: Received[] = [];
  let run = curl(undefined);
  try {
    await until(() => run.status() === 200, 'curl following (the response starts once every subscribe succeeded)');
    await publish(1, 25);
    await until(() => run.got.length === 50, 'the first 25 per channel');
    proxy.cut();
    await run.exited; // curl sees the connection die
    got.push(...run.got);
    await publish(26, 40); // while nobody follows
    const lastId = run.lastId();
    assert.ok(lastId !== undefined && lastId !== '', 'curl printed event ids');
    run = curl(lastId);
    await until(() => run.status() === 200, 'curl following again');
    await until(() => run.got.length === 30, 'what was missed, from history');
    await publish(41, PER_CHANNEL);
    await until(() => run.got.length === 2 * PER_CHANNEL - 50, 'the live rest');
    await sleep(200); // a duplicate would come right behind
    got.push(...run.got);
    assertExactlyOnce(got, 'curl');
  } finally {
    run.child.kill();
  }
});
