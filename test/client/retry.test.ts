// The retry rule of the client's state machine, with a fake transport and mock timers:
// a subscribe refused with a temporary error stays `subscribing` and is tried again with
// backoff and full jitter; a permanent one ends the subscription; unsubscribe or a lost
// connection cancels the wait; a refused `connect` is retried the same way.
import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Client, ClientCode, ClientErrorCode, WireErrorCode, type Subscription, type ClientOptions, type ErrorContext, type StateReason, type VolleyError } from '../../src/client/index.js';
import { subscribeFailureAction } from '../../src/client/subscribe-failure.js';
import { fakeTransport, type FakeSocket } from './fake-socket.js';

const MIN_DELAY_MS = 100;
const MAX_DELAY_MS = 1_000;

/** Lets promise callbacks and the client's async steps run (setImmediate is not mocked). */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface Rig {
  client: Client;
  transport: ReturnType<typeof fakeTransport>;
  clientErrors: ErrorContext[];
  /** Connects on a new fake socket and answers its `connect`; returns the socket. */
  connect(): Promise<FakeSocket>;
}

/**
 * A client on the fake transport with mock timers. Math.random is pinned just below 1, so
 * every backoff delay is its ceiling minus one: 99, 199, 399 … (min 100, max 1000).
 */
function rig(t: TestContext, random: () => number = () => 0.999, options: ClientOptions = {}): Rig {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  t.mock.method(Math, 'random', random);
  const transport = fakeTransport();
  const client = new Client('ws://fake.invalid/connection/websocket', {
    WebSocket: transport.WebSocket,
    transports: ['websocket'],
    pingIntervalMs: 0,
    minReconnectDelayMs: MIN_DELAY_MS,
    maxReconnectDelayMs: MAX_DELAY_MS,
    ...options,
  });
  t.after(() => client.disconnect());
  const clientErrors: ErrorContext[] = [];
  client.on('error', (context) => clientErrors.push(context));
  return {
    client,
    transport,
    clientErrors,
    async connect() {
      if (client.state === 'disconnected') client.connect();
      await settle();
      const socket = transport.current();
      socket.open();
      socket.reply(socket.last('connect').id, { client: `c${transport.sockets.length}` });
      await settle();
      assert.equal(client.state, 'connected');
      return socket;
    },
  };
}

/** Everything a subscription reports, in order. */
function record<T>(sub: Subscription<T>) {
  const log = { errors: [] as ErrorContext[], unsubscribed: [] as StateReason[], subscribed: 0, states: [] as string[] };
  sub.on('error', (context) => log.errors.push(context));
  sub.on('unsubscribed', (reason) => log.unsubscribed.push(reason));
  sub.on('subscribed', () => (log.subscribed += 1));
  sub.on('state', ({ newState }) => log.states.push(newState));
  return log;
}

function errorCode(context: ErrorContext | undefined): number | undefined {
  return (context?.error as VolleyError | undefined)?.code;
}

describe('client retry rule (fake transport, mock clock)', () => {
  it('a subscribe refused with unavailable (117) stays subscribing, reports the error and its delay, and is retried until it succeeds', async (t) => {
    const { client, connect } = rig(t);
    const sub = client.newSubscription('chat:a');
    const log = record(sub);
    sub.subscribe();
    const socket = await connect();
    socket.refuse(socket.last('subscribe').id, WireErrorCode.unavailable);
    await settle();

    assert.equal(sub.state, 'subscribing');
    assert.deepEqual(log.unsubscribed, [], 'a temporary refusal never ends the subscription');
    assert.equal(log.errors.length, 1);
    assert.equal(log.errors[0]!.type, 'subscribe');
    assert.equal(errorCode(log.errors[0]), WireErrorCode.unavailable);
    assert.equal(log.errors[0]!.retryInMs, MIN_DELAY_MS - 1);

    t.mock.timers.tick(MIN_DELAY_MS - 2);
    await settle();
    assert.equal(socket.commands('subscribe').length, 1, 'not before the delay');
    t.mock.timers.tick(1);
    await settle();
    assert.equal(socket.commands('subscribe').length, 2, 'tried again once the delay passed');

    socket.refuse(socket.last('subscribe').id, WireErrorCode.unavailable);
    await settle();
    assert.equal(log.errors[1]!.retryInMs, 2 * MIN_DELAY_MS - 1, 'the ceiling doubled');
    t.mock.timers.tick(2 * MIN_DELAY_MS - 1);
    await settle();
    socket.reply(socket.last('subscribe').id, { recoverable: false });
    await sub.ready();
    assert.equal(sub.state, 'subscribed');
    assert.deepEqual(log.states, ['subscribing', 'subscribed'], 'subscribing throughout the retries');
  });

  it('backoff: the ceiling doubles up to maxReconnectDelayMs, and one subscribe is out at a time', async (t) => {
    const { client, connect } = rig(t);
    const sub = client.subscribe('chat:b');
    const log = record(sub);
    const socket = await connect();
    for (let refusal = 0; refusal < 8; refusal++) {
      assert.equal(socket.commands('subscribe').length, refusal + 1);
      socket.refuse(socket.last('subscribe').id, WireErrorCode.unavailable);
      await settle();
      const delay = log.errors[refusal]!.retryInMs!;
      t.mock.timers.tick(delay - 1);
      await settle();
      assert.equal(socket.commands('subscribe').length, refusal + 1, 'nothing sent while waiting');
      t.mock.timers.tick(1);
      await settle();
    }
    assert.deepEqual(log.errors.map((e) => e.retryInMs), [99, 199, 399, 799, 999, 999, 999, 999]);
    assert.equal(sub.state, 'subscribing');
  });

  it('full jitter: subscriptions refused together wait different delays', async (t) => {
    const draws = [0.1, 0.7, 0.4];
    const { client, connect } = rig(t, () => draws.shift() ?? 0.5);
    const subs = ['chat:j1', 'chat:j2', 'chat:j3'].map((channel) => client.subscribe(channel));
    const logs = subs.map(record);
    const socket = await connect();
    for (const command of socket.commands('subscribe')) socket.refuse(command.id, WireErrorCode.unavailable);
    await settle();
    assert.deepEqual(logs.map((log) => log.errors[0]!.retryInMs), [10, 70, 40]);
  });

  it('too_many_requests (111) and internal (100) are retried too; a failing getToken as well', async (t) => {
    const { client, connect } = rig(t);
    let calls = 0;
    const sub = client.subscribe('$chat:t', {
      getToken: async () => {
        calls += 1;
        if (calls === 1) throw new Error('token service down');
        return 'sub-token';
      },
    });
    const log = record(sub);
    const socket = await connect();
    assert.equal(errorCode(log.errors[0]), ClientErrorCode.tokenError);
    assert.equal(socket.commands('subscribe').length, 0, 'nothing sent without a token');
    for (const code of [WireErrorCode.tooManyRequests, WireErrorCode.internal]) {
      t.mock.timers.tick(MAX_DELAY_MS);
      await settle();
      assert.equal(socket.last('subscribe').params!.token, 'sub-token');
      socket.refuse(socket.last('subscribe').id, code);
      await settle();
    }
    assert.deepEqual(log.errors.map(errorCode), [ClientErrorCode.tokenError, WireErrorCode.tooManyRequests, WireErrorCode.internal]);
    assert.ok(log.errors.every((e) => e.retryInMs !== undefined));
    assert.equal(sub.state, 'subscribing');
  });

  it('a permanent refusal ends the subscription with the server code, and nothing is retried', async (t) => {
    const { client, connect } = rig(t);
    const sub = client.subscribe('chat:denied');
    const log = record(sub);
    const socket = await connect();
    socket.refuse(socket.last('subscribe').id, WireErrorCode.permissionDenied);
    await settle();
    assert.equal(sub.state, 'unsubscribed');
    assert.equal(log.unsubscribed[0]!.code, WireErrorCode.permissionDenied);
    assert.equal(log.errors[0]!.retryInMs, undefined, 'no retry announced');
    await assert.rejects(sub.ready(), (error: VolleyError) => error.code === WireErrorCode.permissionDenied);
    t.mock.timers.tick(10 * MAX_DELAY_MS);
    await settle();
    assert.equal(socket.commands('subscribe').length, 1);
  });

  it('unsubscribe during the wait cancels the retry; a later subscribe starts the backoff afresh', async (t) => {
    const { client, connect } = rig(t);
    const sub = client.subscribe('chat:c');
    const log = record(sub);
    const socket = await connect();
    for (let i = 0; i < 3; i++) {
      socket.refuse(socket.last('subscribe').id, WireErrorCode.unavailable);
      await settle();
      if (i < 2) t.mock.timers.tick(MAX_DELAY_MS);
      await settle();
    }
    assert.equal(log.errors[2]!.retryInMs, 399);
    sub.unsubscribe();
    assert.equal(sub.state, 'unsubscribed');
    assert.equal(log.unsubscribed[0]!.code, ClientCode.unsubscribeCalled);
    t.mock.timers.tick(10 * MAX_DELAY_MS);
    await settle();
    assert.equal(socket.commands('subscribe').length, 3, 'the pending retry was cancelled');
    assert.equal(socket.commands('unsubscribe').length, 0, 'the server holds no subscription to undo');

    sub.subscribe();
    await settle();
    assert.equal(socket.commands('subscribe').length, 4, 'subscribed again at once');
    socket.refuse(socket.last('subscribe').id, WireErrorCode.unavailable);
    await settle();
    assert.equal(log.errors[3]!.retryInMs, MIN_DELAY_MS - 1, 'the backoff starts afresh');
  });

  it('a lost connection cancels the pending retry; the next connection resubscribes once, at once', async (t) => {
    const { client, transport, connect } = rig(t);
    const sub = client.subscribe('chat:d');
    const first = await connect();
    first.refuse(first.last('subscribe').id, WireErrorCode.unavailable);
    await settle();
    first.serverClose(1006);
    await settle();
    assert.equal(client.state, 'connecting');
    assert.equal(sub.state, 'subscribing');
    t.mock.timers.tick(MIN_DELAY_MS - 1); // the client's reconnect delay
    await settle();
    assert.equal(transport.sockets.length, 2);
    const second = await connect();
    assert.equal(second.commands('subscribe').length, 1);
    t.mock.timers.tick(10 * MAX_DELAY_MS);
    await settle();
    assert.equal(second.commands('subscribe').length, 1, 'no second subscribe from the old timer');
    assert.equal(first.commands('subscribe').length, 1);
  });

  it('a resubscribe refused during an outage keeps the position; the retry recovers every missed publication once', async (t) => {
    const { client, connect } = rig(t);
    const sub = client.subscribe<number>('chat:e');
    const log = record(sub);
    const got: number[] = [];
    const contexts: Array<{ wasRecovering: boolean; recovered: boolean }> = [];
    sub.on('publication', ({ data }) => got.push(data));
    sub.on('subscribed', ({ wasRecovering, recovered }) => contexts.push({ wasRecovering, recovered }));
    const first = await connect();
    first.reply(first.last('subscribe').id, { recoverable: true, epoch: 'e1', offset: 2 });
    await settle();
    first.deliver({ pub: 'chat:e', offset: 3, data: 3 });
    first.serverClose(1006);
    await settle();
    t.mock.timers.tick(MAX_DELAY_MS);
    await settle();

    const second = await connect();
    assert.deepEqual(second.last('subscribe').params!.since, { epoch: 'e1', offset: 3 });
    second.refuse(second.last('subscribe').id, WireErrorCode.unavailable);
    await settle();
    assert.equal(sub.state, 'subscribing');
    assert.deepEqual(sub.position, { epoch: 'e1', offset: 3 }, 'the position survives the refusal');
    t.mock.timers.tick(log.errors[0]!.retryInMs!);
    await settle();
    const retry = second.last('subscribe');
    assert.deepEqual(retry.params!.since, { epoch: 'e1', offset: 3 }, 'the retry recovers from the same position');
    second.reply(retry.id, {
      recoverable: true, epoch: 'e1', offset: 5, recovered: true,
      publications: [4, 5].map((offset) => ({ offset, data: offset })),
    });
    second.deliver({ pub: 'chat:e', offset: 5, data: 5 }); // already recovered
    second.deliver({ pub: 'chat:e', offset: 6, data: 6 });
    await settle();
    assert.deepEqual(got, [3, 4, 5, 6]);
    assert.deepEqual(contexts, [{ wasRecovering: false, recovered: false }, { wasRecovering: true, recovered: true }]);
    assert.deepEqual(log.unsubscribed, []);
  });

  it('a gap push: unsubscribe at once, subscribe from the position after a jittered delay; an unsubscribe() meanwhile sends nothing more', async (t) => {
    const { client, connect } = rig(t);
    const sub = client.subscribe<number>('chat:g');
    const reasons: StateReason[] = [];
    const contexts: Array<{ wasRecovering: boolean; recovered: boolean }> = [];
    sub.on('subscribing', (reason) => reasons.push(reason));
    sub.on('subscribed', ({ wasRecovering, recovered }) => contexts.push({ wasRecovering, recovered }));
    const socket = await connect();
    socket.reply(socket.last('subscribe').id, { recoverable: true, epoch: 'e1', offset: 2 });
    await settle();
    socket.deliver({ push: 'gap', channel: 'chat:g' });
    socket.deliver({ pub: 'chat:g', offset: 7, data: 7 }); // after the loss: recovered with the rest
    await settle();
    assert.equal(sub.state, 'subscribing');
    assert.equal(reasons.at(-1)!.code, ClientCode.publicationsLost);
    assert.deepEqual(socket.commands('unsubscribe').map((c) => c.params), [{ channel: 'chat:g' }]);
    assert.equal(socket.commands('subscribe').length, 1, 'the subscribe waits its delay');
    t.mock.timers.tick(MIN_DELAY_MS);
    await settle();
    assert.deepEqual(socket.last('subscribe').params!.since, { epoch: 'e1', offset: 2 });
    socket.reply(socket.last('subscribe').id, { recoverable: true, epoch: 'e1', offset: 7, recovered: false, publications: [] });
    await settle();
    assert.deepEqual(contexts, [{ wasRecovering: false, recovered: false }, { wasRecovering: true, recovered: false }]);

    socket.deliver({ push: 'gap', channel: 'chat:g' });
    await settle();
    sub.unsubscribe();
    t.mock.timers.tick(MAX_DELAY_MS);
    await settle();
    assert.equal(socket.commands('unsubscribe').length, 2, 'the server already dropped it: no second unsubscribe');
    assert.equal(socket.commands('subscribe').length, 2, 'no subscribe after unsubscribe()');
    assert.equal(sub.state, 'unsubscribed');
  });

  it('a position taken before the channel had a stream (epoch "") recovers what its first publications were', async (t) => {
    const { client, connect } = rig(t);
    const sub = client.subscribe<number>('chat:new');
    const got: number[] = [];
    const recovered: boolean[] = [];
    sub.on('publication', ({ data }) => got.push(data));
    sub.on('subscribed', (context) => recovered.push(context.recovered));
    const first = await connect();
    first.reply(first.last('subscribe').id, { recoverable: true, epoch: '', offset: 0 });
    await settle();
    first.serverClose(1006);
    await settle();
    t.mock.timers.tick(MAX_DELAY_MS);
    await settle();
    const second = await connect();
    assert.deepEqual(second.last('subscribe').params!.since, { epoch: '', offset: 0 });
    second.reply(second.last('subscribe').id, {
      recoverable: true, epoch: 'e1', offset: 2, recovered: true,
      publications: [1, 2].map((offset) => ({ offset, data: offset })),
    });
    await settle();
    assert.deepEqual(got, [1, 2]);
    assert.deepEqual(recovered, [false, true]);
    assert.deepEqual(sub.position, { epoch: 'e1', offset: 2 });
  });

  it('publications right behind the subscribe reply (same chunk, no task in between) are delivered', async (t) => {
    const { client, connect } = rig(t);
    const sub = client.subscribe<string>('live:x');
    const got: string[] = [];
    sub.on('publication', ({ data }) => got.push(data));
    const socket = await connect();
    socket.reply(socket.last('subscribe').id, { recoverable: false });
    socket.deliver({ pub: 'live:x', data: 'right behind' });
    await settle();
    assert.deepEqual(got, ['right behind']);
  });

  it('a connect refused with unavailable and closed with 3003 is retried with backoff; 3500 ends it', async (t) => {
    const { client, transport, clientErrors } = rig(t);
    const disconnected: StateReason[] = [];
    client.on('disconnected', (reason) => disconnected.push(reason));
    client.connect();
    await settle();
    const first = transport.current();
    first.open();
    first.refuse(first.last('connect').id, WireErrorCode.unavailable);
    await settle(); // a close event always comes in a later task than the message before it
    first.serverClose(3003, 'internal');
    await settle();
    assert.equal(client.state, 'connecting');
    assert.equal(clientErrors.length, 1);
    assert.equal(clientErrors[0]!.type, 'connect');
    assert.equal(errorCode(clientErrors[0]), WireErrorCode.unavailable);
    assert.equal(clientErrors[0]!.retryInMs, MIN_DELAY_MS - 1);
    t.mock.timers.tick(MIN_DELAY_MS - 1);
    await settle();
    assert.equal(transport.sockets.length, 2, 'tried again after the delay');

    const second = transport.current();
    second.open();
    second.refuse(second.last('connect').id, WireErrorCode.unauthorized);
    await settle();
    second.serverClose(3500, '');
    await settle();
    assert.equal(client.state, 'disconnected');
    assert.deepEqual(disconnected, [{ code: 3500, reason: 'unauthorized' }], 'the refusal is the reason');
    t.mock.timers.tick(10 * MAX_DELAY_MS);
    await settle();
    assert.equal(transport.sockets.length, 2, 'no attempt after "do not reconnect"');
  });

  it('a socket closed with 1013 (try again later, a server at its connection limit) is retried with backoff', async (t) => {
    const { client, transport, clientErrors } = rig(t);
    client.connect();
    await settle();
    for (let attempt = 0; attempt < 3; attempt++) {
      transport.current().open();
      transport.current().serverClose(1013, 'try again later');
      await settle();
      assert.equal(client.state, 'connecting');
      assert.equal(clientErrors[attempt]!.type, 'transport');
      assert.equal(clientErrors[attempt]!.retryInMs, MIN_DELAY_MS * 2 ** attempt - 1);
      t.mock.timers.tick(clientErrors[attempt]!.retryInMs!);
      await settle();
      assert.equal(transport.sockets.length, attempt + 2);
    }
  });

  it('a failed token refresh is reported with its retry delay and tried again; the connection stays', async (t) => {
    let calls = 0;
    const { client, transport, clientErrors } = rig(t, undefined, {
      token: 'first',
      getToken: async () => {
        calls += 1;
        if (calls === 1) throw new Error('token service down');
        return 'second';
      },
    });
    client.connect();
    await settle();
    const socket = transport.current();
    socket.open();
    socket.reply(socket.last('connect').id, { client: 'c1', expires: Math.floor(Date.now() / 1000) + 10 });
    await settle();
    t.mock.timers.tick(10_000); // the refresh is due at the latest half-way to expiry
    await settle();
    assert.equal(clientErrors.length, 1);
    assert.equal(clientErrors[0]!.type, 'refresh');
    assert.equal(clientErrors[0]!.retryInMs, MIN_DELAY_MS - 1);
    t.mock.timers.tick(MIN_DELAY_MS - 1);
    await settle();
    assert.equal(socket.last('refresh').params!.token, 'second');
    assert.equal(client.state, 'connected');
  });
});

describe('subscribeFailureAction', () => {
  it('reads each failure one way', () => {
    const table: Array<[number, boolean, string]> = [
      [ClientErrorCode.connectionClosed, false, 'awaitConnection'],
      [ClientErrorCode.timeout, false, 'reconnect'],
      [WireErrorCode.unavailable, false, 'retry'],
      [WireErrorCode.tooManyRequests, false, 'retry'],
      [WireErrorCode.internal, false, 'retry'],
      [ClientErrorCode.tokenError, false, 'retry'],
      [WireErrorCode.tokenExpired, true, 'retryWithNewToken'],
      [WireErrorCode.tokenExpired, false, 'end'],
      [WireErrorCode.permissionDenied, true, 'end'],
      [WireErrorCode.unknownChannel, false, 'end'],
      [WireErrorCode.badRequest, false, 'end'],
      [WireErrorCode.limitExceeded, false, 'end'],
      [WireErrorCode.wrongTokenKind, true, 'end'],
    ];
    for (const [code, canFetchToken, action] of table) assert.equal(subscribeFailureAction(code, canFetchToken), action, `${code}`);
  });
});
