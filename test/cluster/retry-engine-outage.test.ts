// The client's retry rule against a real engine outage, for Redis and NATS: a Volley
// server in this process on a PRIVATE engine process that the test stops and starts.
// A subscribe refused with 117 (unavailable) is retried with backoff and subscribes once
// the engine is back; a live subscription keeps receiving across the restart; and a
// client that lost its network during the outage recovers what it missed, exactly once.
// Nothing waits a fixed time: every step waits for an event or a condition.
import { describe, it, before, beforeEach, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Broker } from '../../src/broker/broker.js';
import { BROKER_UNAVAILABLE } from '../../src/hub/errors.js';
import { NatsBroker } from '../../src/broker/nats/nats-broker.js';
import { RedisBroker } from '../../src/broker/redis/redis-broker.js';
import { Client, WireErrorCode, type ErrorContext, type SubscribedContext, type Subscription, type VolleyError } from '../../src/client/node.js';
import { TcpProxy, mintToken, startServer, type TestServer } from '../client/helpers.js';
import { removeNatsState } from './nats-cleanup.js';
import { removeRedisState } from './redis-cleanup.js';
import { NATS_SERVER, PrivateEngine, REDIS_SERVER, binarySkipReason, uniquePrefix, waitFor } from './engines.js';

/** Generous: on a busy machine an engine restart and a broker reconnect take seconds. */
const WAIT_MS = 60_000;

interface EngineKind {
  name: string;
  skip: string | undefined;
  engine(): Promise<PrivateEngine>;
  broker(url: string, prefix: string): Promise<Broker>;
  /** Loses every stream of the prefix, as an engine that lost its data. */
  wipe(url: string, prefix: string): Promise<void>;
  /** Why the lost-data case cannot run on this engine yet. */
  wipeSkip?: string;
}

const kinds: EngineKind[] = [
  {
    name: 'redis-server',
    skip: binarySkipReason('redis-server', REDIS_SERVER),
    engine: () => PrivateEngine.redis(),
    broker: (url, prefix) => RedisBroker.connect({ url, prefix, maxReconnectDelayMs: 100 }),
    wipe: (url, prefix) => removeRedisState(url, prefix),
  },
  {
    name: 'nats-server',
    skip: binarySkipReason('nats-server', NATS_SERVER),
    engine: () => PrivateEngine.nats(),
    broker: (url, prefix) => NatsBroker.connect({ url, prefix, reconnectWaitMs: 100 }),
    wipe: (url, prefix) => removeNatsState(url, prefix),
  },
];

/** What one subscription reported. */
interface Watched<T> {
  sub: Subscription<T>;
  got: T[];
  errors: ErrorContext[];
  subscribed: SubscribedContext[];
  unsubscribed: number;
}

function watch<T>(client: Client, channel: string): Watched<T> {
  const sub = client.newSubscription<T>(channel);
  const watched: Watched<T> = { sub, got: [], errors: [], subscribed: [], unsubscribed: 0 };
  sub.on('publication', ({ data }) => watched.got.push(data));
  sub.on('error', (context) => watched.errors.push(context));
  sub.on('subscribed', (context) => watched.subscribed.push(context));
  sub.on('unsubscribed', () => (watched.unsubscribed += 1));
  return watched;
}

function codeOf(context: ErrorContext): number {
  return (context.error as VolleyError).code;
}

for (const kind of kinds) {
  describe(`client retry rule across a ${kind.name} outage`, { skip: kind.skip }, () => {
    let engine: PrivateEngine;
    let broker: Broker | undefined;
    const prefix = uniquePrefix('retry');
    let t: TestServer | undefined;
    const clients: Client[] = [];
    const proxies: TcpProxy[] = [];
    const internalErrors: unknown[] = [];
    /** So that a test failing mid-outage does not leave the next one without an engine. */
    let engineRunning = false;

    before(async () => {
      engine = await kind.engine();
      await engineUp();
      broker = await kind.broker(engine.url, prefix);
      t = await startServer({ broker });
      // Commands refused during an outage are counted (stats.unavailableReplies), not
      // reported as internal errors: nothing else may be reported meanwhile.
      t.server.hub.onInternalError = (error) => internalErrors.push(error);
    });
    beforeEach(async () => {
      if (!engineRunning) await engineUp();
    });
    after(async () => {
      const unexpected = internalErrors.filter((error) => !(error instanceof Error && error.name === BROKER_UNAVAILABLE));
      assert.deepEqual(unexpected, [], 'no hub error other than the engine being away');
      assert.equal(internalErrors.length, 0, 'an engine outage is not logged as an internal error');
      assert.ok(t!.server.hub.stats.unavailableReplies > 0, 'the refusals with 117 were counted');
      for (const client of clients) client.disconnect();
      for (const proxy of proxies) await proxy.close();
      await t?.server.close();
      await broker?.close();
      await engine.destroy();
    });

    async function connectedClient(user: string, url = t!.url): Promise<Client> {
      const client = new Client(url, { token: await mintToken(user), minReconnectDelayMs: 50, maxReconnectDelayMs: 400 });
      clients.push(client);
      client.connect();
      await client.ready();
      return client;
    }

    /** Stops the engine and waits until the server's own publishes are refused. */
    async function engineDown(): Promise<void> {
      engineRunning = false;
      await engine.stop();
      await waitFor(async () => t!.server.publish('live:probe', 'probe').then(() => false, () => true), WAIT_MS, 'the server to see the engine gone');
    }

    async function engineUp(): Promise<void> {
      await engine.start();
      engineRunning = true;
    }

    /** Publishes `data`, trying again while the engine is still coming back; true once accepted. */
    async function publishOnceBack(channel: string, data: unknown): Promise<void> {
      await waitFor(async () => t!.server.publish(channel, data).then(() => true, () => false), WAIT_MS, `publish of ${JSON.stringify(data)} accepted`);
    }

    it('a subscribe refused with 117 while the engine is down is retried with backoff and subscribes once it is back', async () => {
      const client = await connectedClient('ada');
      let reconnects = 0;
      client.on('connecting', () => (reconnects += 1));
      await engineDown();

      // One channel with history (the subscribe reads the stream), one without.
      const withHistory = watch<number>(client, 'chat:retry-history');
      const plain = watch<number>(client, 'live:retry-plain');
      withHistory.sub.subscribe();
      plain.sub.subscribe();
      await waitFor(() => {
        assert.equal(withHistory.unsubscribed + plain.unsubscribed, 0, 'never unsubscribed by a temporary error');
        return withHistory.errors.length >= 2 && plain.errors.length >= 2;
      }, WAIT_MS, 'two refusals each (the first and a retry)');
      for (const watched of [withHistory, plain]) {
        assert.equal(watched.sub.state, 'subscribing', 'still subscribing while the engine is away');
        assert.equal(watched.unsubscribed, 0, 'never unsubscribed by a temporary error');
        for (const error of watched.errors) {
          assert.equal(codeOf(error), WireErrorCode.unavailable);
          assert.equal(typeof error.retryInMs, 'number', 'each refusal announces its retry');
        }
      }

      await engineUp();
      await Promise.all([withHistory.sub.ready(), plain.sub.ready()]);
      await publishOnceBack('chat:retry-history', 1);
      await publishOnceBack('live:retry-plain', 2);
      await waitFor(() => withHistory.got.length === 1 && plain.got.length === 1, WAIT_MS, 'the publications after the engine came back');
      assert.deepEqual(withHistory.got, [1]);
      assert.deepEqual(plain.got, [2]);
      assert.equal(reconnects, 0, 'the connection itself was never replaced');
    });

    it('a live subscription keeps receiving across an engine restart: nothing lost, nothing doubled', async () => {
      const client = await connectedClient('bob');
      const channel = 'chat:retry-live';
      const watched = watch<number>(client, channel);
      watched.sub.subscribe();
      await watched.sub.ready();
      const accepted: number[] = [];
      for (let n = 1; n <= 3; n++) {
        await t!.server.publish(channel, n);
        accepted.push(n);
      }
      await waitFor(() => watched.got.length === 3, WAIT_MS, 'delivery before the outage');
      // The stream begins with its first publication, which names its epoch.
      const epoch = watched.sub.position!.epoch;
      assert.notEqual(epoch, '');

      await engineDown();
      await assert.rejects(t!.server.publish(channel, -1), 'a publish during the outage is refused, so it must never arrive');
      await engineUp();
      await publishOnceBack(channel, 4);
      accepted.push(4);
      for (let n = 5; n <= 6; n++) {
        await t!.server.publish(channel, n);
        accepted.push(n);
      }
      await waitFor(() => watched.got.length >= accepted.length, WAIT_MS, 'delivery after the restart');
      assert.deepEqual(watched.got, accepted, 'every accepted publication once, in order');
      assert.equal(watched.sub.position!.epoch, epoch, 'the stream survived the restart');
      assert.equal(watched.sub.position!.offset, 6);
      assert.equal(watched.unsubscribed, 0);
    });

    it('an engine that lost its streams: a live subscription follows the new stream from its first publication', { skip: kind.wipeSkip }, async () => {
      const client = await connectedClient('dee');
      const channel = 'chat:retry-wiped';
      const watched = watch<string>(client, channel);
      watched.sub.subscribe();
      await watched.sub.ready();
      for (const data of ['old 1', 'old 2', 'old 3']) await t!.server.publish(channel, data);
      await waitFor(() => watched.got.length === 3, WAIT_MS, 'delivery from the old stream');
      const oldEpoch = watched.sub.position!.epoch;

      await kind.wipe(engine.url, prefix);
      await publishOnceBack(channel, 'new 1');
      await t!.server.publish(channel, 'new 2');
      await waitFor(() => watched.got.length >= 5, WAIT_MS, 'delivery from the new stream');
      assert.deepEqual(watched.got, ['old 1', 'old 2', 'old 3', 'new 1', 'new 2'], 'offsets 1 and 2 of the new stream are not taken for old ones');
      assert.notEqual(watched.sub.position!.epoch, oldEpoch, 'a new epoch');
      assert.equal(watched.sub.position!.offset, 2);
    });

    it('a client that lost its network during the outage is refused with 117 on resubscribe, retries, and recovers what it missed once', async () => {
      const proxy = new TcpProxy(t!.port);
      await proxy.listen();
      proxies.push(proxy);
      const client = await connectedClient('cyd', proxy.url);
      const channel = 'chat:retry-gap';
      const watched = watch<number>(client, channel);
      watched.sub.subscribe();
      await watched.sub.ready();
      await t!.server.publish(channel, 1);
      await waitFor(() => watched.got.length === 1, WAIT_MS, 'the first publication');

      proxy.down(); // the client's network goes
      await waitFor(() => client.state === 'connecting', WAIT_MS, 'the client to notice');
      await t!.server.publish(channel, 2); // missed while away, kept in history
      await t!.server.publish(channel, 3);
      await engineDown();
      const errorsBefore = watched.errors.length;
      proxy.up(); // the network is back, the engine is not
      await waitFor(() => {
        assert.equal(watched.unsubscribed, 0, 'never unsubscribed by a temporary error');
        return watched.errors.length >= errorsBefore + 2;
      }, WAIT_MS, 'the resubscribe refused, and refused again on retry');
      assert.equal(client.state, 'connected', 'connected: only the channel waits for the engine');
      assert.equal(watched.sub.state, 'subscribing');
      assert.ok(watched.errors.slice(errorsBefore).every((error) => codeOf(error) === WireErrorCode.unavailable));
      assert.deepEqual(watched.got, [1], 'nothing delivered while the engine is away');

      await engineUp();
      await waitFor(() => watched.subscribed.length === 2, WAIT_MS, 'resubscribed after the engine came back');
      const resubscribed = watched.subscribed[1]!;
      assert.equal(resubscribed.wasRecovering, true);
      assert.equal(resubscribed.recovered, true, 'history covered the gap');
      await publishOnceBack(channel, 4);
      await waitFor(() => watched.got.length >= 4, WAIT_MS, 'the publication after the outage');
      assert.deepEqual(watched.got, [1, 2, 3, 4], 'what was missed arrived once, in order, before what followed');
      assert.equal(watched.unsubscribed, 0);
    });
  });
}
