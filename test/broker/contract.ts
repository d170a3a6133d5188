// The broker contract: one suite every Broker implementation must pass. A harness gives
// the suite several nodes that share one engine, and a way to move the engine's time
// forward (a fake clock for memory; a real engine may sleep). Channel names are unique
// per test so the suite can run against a shared Redis or NATS.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Broker, BrokerEvent, ControlMessage } from '../../src/broker/broker.js';

export interface BrokerHarness {
  /** `count` nodes connected to the same engine. */
  nodes(count: number): Promise<Broker[]>;
  /** Moves the engine's clock forward by ms. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** Waits until check() passes; fails after many event-loop turns, never on wall time. */
export async function eventually(check: () => boolean, turns = 10_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (check()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail('condition never became true');
}

function channelName(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

const retention = { size: 10, ttlMs: 60_000, metaTtlMs: 3_600_000 };

export function brokerContract(name: string, makeHarness: () => Promise<BrokerHarness>): void {
  describe(`broker contract: ${name}`, () => {
    let harness: BrokerHarness;
    let a: Broker;
    let b: Broker;

    before(async () => {
      harness = await makeHarness();
      [a, b] = await harness.nodes(2);
    });
    after(async () => {
      await a.close();
      await b.close();
      await harness.close();
    });

    it('answers ping while open (the health probe of the server)', async () => {
      assert.equal(typeof a.ping, 'function');
      await a.ping!();
      await b.ping!();
    });

    describe('fan-out', () => {
      it('delivers a publication to a subscribed node with its data and info', async () => {
        const channel = channelName('fanout');
        const events: BrokerEvent[] = [];
        await a.subscribe(channel, (e) => events.push(e));
        const info = { client: 'c1', user: 'u1' };
        await b.publish(channel, '{"text":"héllo"}', { info });
        await eventually(() => events.length === 1);
        const [event] = events;
        assert.equal(event!.type, 'publication');
        assert.ok(event!.type === 'publication');
        assert.equal(event.channel, channel);
        assert.equal(event.publication.data, '{"text":"héllo"}');
        assert.deepEqual(event.publication.info, info);
        await a.unsubscribe(channel);
      });

      it('delivers to every subscribed node, and not to others', async () => {
        const channel = channelName('nodes');
        const other = channelName('other');
        const onA: BrokerEvent[] = [];
        const onB: BrokerEvent[] = [];
        await a.subscribe(channel, (e) => onA.push(e));
        await b.subscribe(other, (e) => onB.push(e));
        await a.publish(channel, '1');
        await b.publish(other, '2');
        await eventually(() => onA.length === 1 && onB.length === 1);
        assert.ok(onA[0]!.type === 'publication' && onA[0].publication.data === '1');
        assert.ok(onB[0]!.type === 'publication' && onB[0].publication.data === '2');
        await a.unsubscribe(channel);
        await b.unsubscribe(other);
      });

      it('stops delivering after unsubscribe', async () => {
        const channel = channelName('unsub');
        const onA: BrokerEvent[] = [];
        const onB: BrokerEvent[] = [];
        await a.subscribe(channel, (e) => onA.push(e));
        await b.subscribe(channel, (e) => onB.push(e));
        await a.unsubscribe(channel);
        await a.publish(channel, '"after"');
        await eventually(() => onB.length === 1);
        assert.equal(onA.length, 0);
        await b.unsubscribe(channel);
      });

      it('keeps the order of publications', async () => {
        const channel = channelName('order');
        const seen: string[] = [];
        await a.subscribe(channel, (e) => {
          if (e.type === 'publication') seen.push(e.publication.data);
        });
        const sent = Array.from({ length: 100 }, (_, i) => String(i));
        for (const data of sent) await b.publish(channel, data, { history: retention });
        await eventually(() => seen.length === 100);
        assert.deepEqual(seen, sent);
        await a.unsubscribe(channel);
      });

      it('carries excludeClient with the publication', async () => {
        const channel = channelName('exclude');
        const events: BrokerEvent[] = [];
        await a.subscribe(channel, (e) => events.push(e));
        await b.publish(channel, 'null', { excludeClient: 'sender' });
        await eventually(() => events.length === 1);
        assert.ok(events[0]!.type === 'publication');
        assert.equal(events[0].excludeClient, 'sender');
        await a.unsubscribe(channel);
      });

      it('carries the binary flag live, with and without history, and plain publications stay plain', async () => {
        const channel = channelName('binary');
        const events: BrokerEvent[] = [];
        await a.subscribe(channel, (e) => events.push(e));
        const info = { client: 'c1', user: 'u1' };
        await b.publish(channel, '"AAEC/w=="', { binary: true });
        await b.publish(channel, '"AAEC/w=="', { binary: true, history: retention, info });
        await b.publish(channel, '"AAEC/w=="', { history: retention });
        await eventually(() => events.length === 3);
        const publications = events.map((e) => (e.type === 'publication' ? e.publication : undefined));
        assert.deepEqual(publications.map((p) => [p?.data, p?.binary]), [['"AAEC/w=="', true], ['"AAEC/w=="', true], ['"AAEC/w=="', undefined]]);
        assert.deepEqual(publications[1]!.info, info);
        await a.unsubscribe(channel);
      });

      it('delivers join and leave events', async () => {
        const channel = channelName('joinleave');
        const events: BrokerEvent[] = [];
        await a.subscribe(channel, (e) => events.push(e));
        const info = { client: 'c9', user: 'u9', connInfo: { name: 'Ada' } };
        await b.publishJoin(channel, info);
        await b.publishLeave(channel, info);
        await eventually(() => events.length === 2);
        assert.deepEqual(events, [
          { type: 'join', channel, info },
          { type: 'leave', channel, info },
        ]);
        await a.unsubscribe(channel);
      });
    });

    describe('history', () => {
      it('returns offset 0 and stores nothing without retention', async () => {
        const channel = channelName('nohistory');
        const position = await a.publish(channel, '1');
        assert.equal(position.offset, 0);
        const history = await a.history(channel);
        assert.deepEqual(history.publications, []);
      });

      it('numbers publications 1, 2, 3 in one epoch', async () => {
        const channel = channelName('offsets');
        const p1 = await a.publish(channel, '"a"', { history: retention });
        const p2 = await b.publish(channel, '"b"', { history: retention });
        const p3 = await a.publish(channel, '"c"', { history: retention });
        assert.deepEqual([p1.offset, p2.offset, p3.offset], [1, 2, 3]);
        assert.ok(p1.epoch.length > 0);
        assert.equal(p2.epoch, p1.epoch);
        assert.equal(p3.epoch, p1.epoch);
        const history = await b.history(channel);
        assert.equal(history.offset, 3);
        assert.equal(history.epoch, p1.epoch);
        assert.deepEqual(history.publications.map((p) => [p.offset, p.data]), [[1, '"a"'], [2, '"b"'], [3, '"c"']]);
      });

      it('keeps the binary flag of stored publications', async () => {
        const channel = channelName('binaryhistory');
        await a.publish(channel, '"3q2+7w=="', { history: retention, binary: true });
        await b.publish(channel, '{"n":1}', { history: retention });
        const history = await b.history(channel);
        assert.deepEqual(history.publications.map((p) => [p.offset, p.data, p.binary]), [[1, '"3q2+7w=="', true], [2, '{"n":1}', undefined]]);
      });

      it('delivers the stored offset with the publication', async () => {
        const channel = channelName('liveoffset');
        const offsets: number[] = [];
        await a.subscribe(channel, (e) => {
          if (e.type === 'publication') offsets.push(e.publication.offset);
        });
        await b.publish(channel, '1', { history: retention });
        await b.publish(channel, '2', { history: retention });
        await eventually(() => offsets.length === 2);
        assert.deepEqual(offsets, [1, 2]);
        await a.unsubscribe(channel);
      });

      it('honours limit, since and direction', async () => {
        const channel = channelName('query');
        for (let i = 1; i <= 6; i++) await a.publish(channel, String(i), { history: retention });
        const offsets = async (options: Parameters<Broker['history']>[1]) =>
          (await a.history(channel, options)).publications.map((p) => p.offset);
        const { epoch } = await a.history(channel, { limit: 0 });
        assert.deepEqual(await offsets({ limit: 0 }), []);
        assert.deepEqual(await offsets({ limit: 2 }), [1, 2]);
        assert.deepEqual(await offsets({ direction: 'backward', limit: 2 }), [6, 5]);
        assert.deepEqual(await offsets({ since: { offset: 3, epoch } }), [4, 5, 6]);
        assert.deepEqual(await offsets({ since: { offset: 3, epoch }, limit: 2 }), [4, 5]);
        assert.deepEqual(await offsets({ since: { offset: 3, epoch }, direction: 'backward' }), [2, 1]);
        assert.deepEqual(await offsets({ since: { offset: 6, epoch } }), []);
        const position = await a.history(channel, { limit: 0 });
        assert.equal(position.offset, 6);
      });

      it('trims to the retention size but keeps counting offsets', async () => {
        const channel = channelName('trim');
        for (let i = 1; i <= 15; i++) await a.publish(channel, String(i), { history: { size: 5, ttlMs: 60_000, metaTtlMs: 3_600_000 } });
        const history = await a.history(channel);
        assert.equal(history.offset, 15);
        assert.deepEqual(history.publications.map((p) => p.offset), [11, 12, 13, 14, 15]);
      });

      it('drops publications after their TTL but keeps counting in the same epoch', async () => {
        const channel = channelName('ttl');
        const short = { size: 10, ttlMs: 1_000, metaTtlMs: 10_000 };
        const first = await a.publish(channel, '1', { history: short });
        await harness.advance(500);
        await a.publish(channel, '2', { history: short });
        await harness.advance(800);
        assert.equal((await a.history(channel)).publications.length, 2, 'TTL counts from the last publication');
        await harness.advance(500);
        const expired = await a.history(channel);
        assert.deepEqual(expired.publications, []);
        assert.equal(expired.offset, 2);
        assert.equal(expired.epoch, first.epoch);
        const next = await a.publish(channel, '3', { history: short });
        assert.deepEqual(next, { offset: 3, epoch: first.epoch });
      });

      it('starts a new epoch once the stream meta has expired', async () => {
        const channel = channelName('meta');
        const short = { size: 10, ttlMs: 1_000, metaTtlMs: 5_000 };
        const first = await a.publish(channel, '1', { history: short });
        await harness.advance(5_001);
        const gone = await a.history(channel);
        assert.deepEqual([gone.offset, gone.epoch], [0, '']);
        const next = await a.publish(channel, '2', { history: short });
        assert.equal(next.offset, 1);
        assert.notEqual(next.epoch, first.epoch);
      });

      it('never creates a stream on a read, with retention or without', async () => {
        const channel = channelName('noensure');
        assert.equal((await a.history(channel)).epoch, '', 'a plain read creates nothing');
        const position = await a.history(channel, { limit: 0, retention });
        assert.deepEqual([position.offset, position.epoch], [0, ''], 'a subscriber read creates nothing either');
        assert.deepEqual(await b.history(channel, { retention }), { publications: [], offset: 0, epoch: '' });
        const published = await b.publish(channel, '1', { history: retention });
        assert.equal(published.offset, 1);
        assert.notEqual(published.epoch, '');
      });

      it('a read with retention extends the meta lifetime of a live stream', async () => {
        const channel = channelName('extend');
        const short = { size: 10, ttlMs: 1_000, metaTtlMs: 5_000 };
        const first = await a.publish(channel, '1', { history: short });
        await harness.advance(4_000);
        assert.equal((await b.history(channel, { limit: 0, retention: short })).epoch, first.epoch);
        await harness.advance(4_000);
        const kept = await a.history(channel);
        assert.deepEqual([kept.offset, kept.epoch], [1, first.epoch], 'alive 8 s after the publication: the read extended it');
        await harness.advance(5_001);
        assert.equal((await a.history(channel)).epoch, '', 'and it expires once nobody reads or publishes');
      });

      it('the first publication of a stream carries its epoch, later ones do not', async () => {
        const channel = channelName('first-epoch');
        const events: BrokerEvent[] = [];
        await a.subscribe(channel, (e) => events.push(e));
        const first = await b.publish(channel, '1', { history: retention });
        await b.publish(channel, '2', { history: retention });
        await eventually(() => events.length === 2);
        const [one, two] = events.map((e) => (e.type === 'publication' ? e.publication : undefined));
        assert.equal(one!.epoch, first.epoch);
        assert.equal(two!.epoch, undefined);
      });

      it('removes history on request', async () => {
        const channel = channelName('remove');
        await a.publish(channel, '1', { history: retention });
        await b.removeHistory(channel);
        assert.deepEqual((await a.history(channel)).publications, []);
      });
    });

    describe('presence', () => {
      it('lists, counts and removes entries', async () => {
        const channel = channelName('presence');
        await a.addPresence(channel, { client: 'c1', user: 'u1', connInfo: { n: 1 } }, 60_000);
        await b.addPresence(channel, { client: 'c2', user: 'u1' }, 60_000);
        await b.addPresence(channel, { client: 'c3', user: 'u2' }, 60_000);
        const clients = await a.presence(channel);
        assert.deepEqual(Object.keys(clients).sort(), ['c1', 'c2', 'c3']);
        assert.deepEqual(clients.c1, { client: 'c1', user: 'u1', connInfo: { n: 1 } });
        assert.deepEqual(await b.presenceStats(channel), { numClients: 3, numUsers: 2 });
        await a.removePresence(channel, 'c2');
        assert.deepEqual(Object.keys(await b.presence(channel)).sort(), ['c1', 'c3']);
        assert.deepEqual(await b.presenceStats(channel), { numClients: 2, numUsers: 2 });
      });

      it('keeps channels apart', async () => {
        const one = channelName('p1');
        const two = channelName('p2');
        await a.addPresence(one, { client: 'c1', user: 'u1' }, 60_000);
        assert.deepEqual(await a.presence(two), {});
        assert.deepEqual(await a.presenceStats(two), { numClients: 0, numUsers: 0 });
      });

      it('expires entries that are not refreshed, keeps those that are', async () => {
        const channel = channelName('expiry');
        await a.addPresence(channel, { client: 'dead', user: 'u1' }, 1_000);
        await b.addPresence(channel, { client: 'alive', user: 'u2' }, 1_000);
        await harness.advance(700);
        await b.addPresence(channel, { client: 'alive', user: 'u2' }, 1_000);
        await harness.advance(700);
        assert.deepEqual(Object.keys(await a.presence(channel)), ['alive']);
        assert.deepEqual(await a.presenceStats(channel), { numClients: 1, numUsers: 1 });
      });
    });

    describe('control', () => {
      it('reaches every node, the sender included', async () => {
        const onA: ControlMessage[] = [];
        const onB: ControlMessage[] = [];
        await a.subscribeControl((m) => onA.push(m));
        await b.subscribeControl((m) => onB.push(m));
        const message: ControlMessage = { type: 'disconnect', user: 'u1', code: 3503, reason: 'bye' };
        const revoke: ControlMessage = { type: 'admin-revoke', nonce: 'AAECAwQFBgcICQoL', expiresAt: 1_900_000_000_000 };
        await a.publishControl(message);
        await a.publishControl(revoke);
        await eventually(() => onA.length === 2 && onB.length === 2);
        assert.deepEqual(onA, [message, revoke]);
        assert.deepEqual(onB, [message, revoke]);
      });
    });

    describe('close', () => {
      it('stops delivery to a closed node', async () => {
        const [c, d] = await harness.nodes(2);
        const channel = channelName('closed');
        const onC: BrokerEvent[] = [];
        const onD: BrokerEvent[] = [];
        await c!.subscribe(channel, (e) => onC.push(e));
        await d!.subscribe(channel, (e) => onD.push(e));
        await c!.close();
        await a.publish(channel, '1');
        await eventually(() => onD.length === 1);
        assert.equal(onC.length, 0);
        await d!.close();
      });
    });
  });
}
