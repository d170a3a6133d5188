// The engine-outage scenario both networked brokers must survive, on a private engine
// process: publishes are refused while the engine is away, nodes reconnect and
// subscribe again by themselves, and a node that came back late receives what was
// published meanwhile from history — every publication once, in order.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Broker } from '../../src/broker/broker.js';
import { BrokerUnavailableError } from '../../src/broker/cluster/errors.js';
import { waitFor, type PrivateEngine } from './engines.js';

export interface FaultSuiteOptions {
  engine: () => Promise<PrivateEngine>;
  /** A node; `slow` reconnects only about 2 s after losing the engine. */
  connect: (url: string, slow: boolean) => Promise<Broker>;
}

const retention = { size: 100, ttlMs: 60_000, metaTtlMs: 3_600_000 };

export function engineFaultSuite(options: FaultSuiteOptions): void {
  let engine: PrivateEngine;
  let late: Broker;
  let early: Broker;

  before(async () => {
    engine = await options.engine();
    await engine.start();
    [late, early] = await connectBoth(() => options.connect(engine.url, true), () => options.connect(engine.url, false));
  });
  after(async () => {
    await Promise.all([late?.close(), early?.close()]);
    await engine?.destroy();
  });

  it('refuses publishes during an outage and recovers what a late node missed', async () => {
    const channel = 'room';
    const offsets: number[] = [];
    await late.subscribe(channel, (event) => {
      if (event.type === 'publication') offsets.push(event.publication.offset);
    });
    for (let i = 1; i <= 3; i++) await early.publish(channel, String(i), { history: retention });
    await waitFor(() => offsets.length === 3, 2_000, 'live delivery');
    const before = await early.history(channel, { limit: 0 });

    await engine.stop();
    await waitFor(
      () => early.publish(channel, '"lost"', { history: retention }).then(() => false, (error) => error instanceof BrokerUnavailableError),
      5_000,
      'publish refused with BrokerUnavailableError',
    );
    await assert.rejects(late.subscribe('other', () => {}), BrokerUnavailableError);
    // The health probe's round trip fails too (VolleyServer's /readyz then answers 503).
    await assert.rejects(early.ping!(), BrokerUnavailableError);

    await engine.start();
    // The early node is back within ~100 ms; the late one only after ~2 s.
    await waitFor(() => early.publish(channel, '4', { history: retention }).then(() => true, () => false), 10_000, 'early node back');
    await early.publish(channel, '5', { history: retention });
    await early.ping!();
    assert.deepEqual(offsets, [1, 2, 3], 'the late node is still away');
    await waitFor(() => offsets.length === 5, 10_000, 'late node recovered 4 and 5 from history');
    await early.publish(channel, '6', { history: retention });
    await waitFor(() => offsets.length === 6, 2_000, 'live delivery after recovery');
    assert.deepEqual(offsets, [1, 2, 3, 4, 5, 6]);

    const after = await late.history(channel);
    assert.equal(after.epoch, before.epoch, 'the stream survived the restart');
    assert.deepEqual(after.publications.map((p) => p.data), ['1', '2', '3', '4', '5', '6'], 'nothing refused was stored');
  });

  it('a late node whose gap history no longer holds hands on a gap event, then what history kept, then live', async () => {
    const channel = 'short';
    const short = { ...retention, size: 2 };
    const seen: string[] = [];
    await late.subscribe(channel, (event) => {
      if (event.type === 'publication') seen.push(String(event.publication.offset));
      else if (event.type === 'gap') seen.push(`gap${event.next}`);
    });
    for (let i = 1; i <= 2; i++) await early.publish(channel, String(i), { history: short });
    await waitFor(() => seen.length === 2, 2_000, 'live delivery');

    await engine.stop();
    await engine.start();
    await waitFor(() => early.publish(channel, '3', { history: short }).then(() => true, () => false), 10_000, 'early node back');
    // 3 to 7 while the late node is away; the stream keeps only 6 and 7.
    for (let i = 4; i <= 7; i++) await early.publish(channel, String(i), { history: short });
    await waitFor(() => seen.length === 5, 10_000, 'late node back: the gap, then 6 and 7 from history');
    await early.publish(channel, '8', { history: short });
    await waitFor(() => seen.length === 6, 2_000, 'live delivery after the gap');
    assert.deepEqual(seen, ['1', '2', 'gap6', '6', '7', '8']);
  });
}

/**
 * One broker connection whose engine stops and starts again: publishes are refused with
 * BrokerUnavailableError while it is down, and publish, subscribe and delivery work once it is back.
 */
export function oneConnectionOutageSuite(engine: () => Promise<PrivateEngine>, connect: (url: string) => Promise<Broker>): void {
  let running: PrivateEngine;
  let broker: Broker;
  before(async () => {
    running = await engine();
    await running.start();
    broker = await connect(running.url);
  });
  after(async () => {
    await broker.close();
    await running.destroy();
  });

  it('refuses with BrokerUnavailableError while down, then works again', async () => {
    await running.stop();
    await waitFor(async () => broker.publish('x', '1').then(() => false, (error) => error instanceof BrokerUnavailableError), 5_000, 'refusal');
    await running.start();
    await waitFor(async () => broker.publish('x', '1').then(() => true, () => false), 10_000, 'publish after restart');
    // Publishing and subscribing may use separate connections (Redis has one for each), so
    // the first publish that works says nothing about the subscriber: retry it until it is back.
    const events: unknown[] = [];
    const subscribed = () => broker.subscribe('y', (event) => events.push(event));
    await waitFor(async () => subscribed().then(() => true, (error) => error instanceof BrokerUnavailableError ? false : Promise.reject(error)), 10_000, 'subscribe after restart');
    await broker.publish('y', '2');
    await waitFor(() => events.length === 1, 2_000, 'delivery');
  });
}

/**
 * Connects two nodes, trying up to three times: a freshly started engine may accept TCP
 * before it answers (nats-server's JetStream API times out for a moment on a busy
 * machine). A node that connected while the other failed is closed again, so a failed
 * attempt leaves no connection behind to keep the test process alive.
 */
async function connectBoth(a: () => Promise<Broker>, b: () => Promise<Broker>): Promise<[Broker, Broker]> {
  for (let attempt = 1; ; attempt++) {
    const [first, second] = await Promise.allSettled([a(), b()]);
    if (first.status === 'fulfilled' && second.status === 'fulfilled') return [first.value, second.value];
    await Promise.all([first, second].map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
    const failure = first.status === 'rejected' ? first.reason : (second as PromiseRejectedResult).reason;
    if (attempt === 3) throw failure;
    await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
  }
}
