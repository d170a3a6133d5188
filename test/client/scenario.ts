// One scenario run twice: in Node (node.test.ts) and, serialized, in Chromium against
// the browser bundle (chromium.test.ts). It must reference nothing but its parameters.

import type * as ClientLib from '../../src/client/index.js';

export interface ScenarioEnv {
  url: string;
  /** A connection token for `user`, valid `ttlSec` seconds (minted by the test in Node). */
  token(user: string, ttlSec: number): Promise<string>;
}

export interface ScenarioReport {
  states: string[];
  subscribed: { recoverable: boolean; recovered: boolean; wasRecovering: boolean };
  ackHasOffset: boolean;
  aliceGot: string[];
  bobGot: string[];
  joins: string[];
  presenceUsers: string[];
  stats: { numClients: number; numUsers: number };
  history: string[];
  rpc: unknown;
  rpcError: string;
  tokenCalls: number;
  sameConnectionAfterExpiry: boolean;
  disconnected: { code: number; reason: string };
  finalState: string;
}

export async function clientScenario(lib: typeof ClientLib, env: ScenarioEnv): Promise<ScenarioReport> {
  const waitFor = async (check: () => boolean, what: string, ms = 10_000): Promise<void> => {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  interface ChatMessage {
    text: string;
  }

  let tokenCalls = 0;
  const alice = new lib.Client(env.url, {
    getToken: async () => {
      tokenCalls += 1;
      return env.token('alice', 3);
    },
  });
  const states: string[] = [];
  alice.on('state', ({ newState }) => states.push(newState));
  alice.connect();
  await alice.ready();
  const bob = new lib.Client(env.url, { token: await env.token('bob', 3600) });
  bob.connect();
  await bob.ready();

  const aliceSub = alice.subscribe<ChatMessage>('chat:lobby');
  const aliceGot: string[] = [];
  const joins: string[] = [];
  let subscribed = { recoverable: false, recovered: true, wasRecovering: true };
  aliceSub.on('publication', ({ data }) => aliceGot.push(data.text));
  aliceSub.on('join', ({ info }) => joins.push(info.user));
  aliceSub.on('subscribed', ({ recoverable, recovered, wasRecovering }) => (subscribed = { recoverable, recovered, wasRecovering }));
  await aliceSub.ready();
  const bobSub = bob.subscribe<ChatMessage>('chat:lobby');
  const bobGot: string[] = [];
  bobSub.on('publication', ({ data }) => bobGot.push(data.text));
  await bobSub.ready();

  const ack = await aliceSub.publish({ text: 'hi from alice' });
  await bob.publish<ChatMessage>('chat:lobby', { text: 'hi from bob' });
  await waitFor(() => aliceGot.length === 2 && bobGot.length === 2 && joins.includes('bob'), 'publications and join');

  const presence = await aliceSub.presence();
  const stats = await bob.presenceStats('chat:lobby');
  const history = await aliceSub.history({ limit: 10 });
  const rpc = await alice.rpc('echo', { x: 1 });
  let rpcError = '';
  await alice.rpc('no-such-method').catch((error: { codeName: string }) => (rpcError = error.codeName));

  // alice's tokens live ~3 s and are refreshed at about half their life: after two
  // refreshes the first token has expired, and the connection must still be the same.
  const firstId = alice.id;
  await waitFor(() => tokenCalls >= 3, 'two token refreshes');
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  const sameConnectionAfterExpiry = alice.id === firstId && alice.state === 'connected';

  let disconnected = { code: -1, reason: '' };
  alice.on('disconnected', ({ code, reason }) => (disconnected = { code, reason }));
  alice.disconnect();
  bob.disconnect();
  return {
    states,
    subscribed,
    ackHasOffset: typeof ack.offset === 'number',
    aliceGot,
    bobGot,
    joins,
    presenceUsers: Object.values(presence.clients).map((info) => info.user).sort(),
    stats,
    history: history.publications.map((publication) => publication.data.text),
    rpc,
    rpcError,
    tokenCalls,
    sameConnectionAfterExpiry,
    disconnected,
    finalState: alice.state,
  };
}

/** The assertions both runs share. */
export function checkReport(report: ScenarioReport, assert: { deepEqual(a: unknown, b: unknown, m?: string): void; ok(v: unknown, m?: string): void }): void {
  assert.deepEqual(report.states, ['connecting', 'connected', 'disconnected'], 'states');
  assert.deepEqual(report.subscribed, { recoverable: true, recovered: false, wasRecovering: false });
  assert.ok(report.ackHasOffset, 'publish ack carries the offset');
  assert.deepEqual(report.aliceGot, ['hi from alice', 'hi from bob']);
  assert.deepEqual(report.bobGot, ['hi from alice', 'hi from bob']);
  assert.ok(report.joins.includes('bob'), 'alice saw bob join'); // her own join may come too
  assert.deepEqual(report.presenceUsers, ['alice', 'bob']);
  assert.deepEqual(report.stats, { numClients: 2, numUsers: 2 });
  assert.deepEqual(report.history, ['hi from alice', 'hi from bob']);
  assert.deepEqual(report.rpc, { user: 'alice', data: { x: 1 } });
  assert.deepEqual(report.rpcError, 'unknown_rpc_method');
  assert.ok(report.tokenCalls >= 3, 'getToken was called for the refreshes');
  assert.ok(report.sameConnectionAfterExpiry, 'the refreshed connection outlived its first token');
  assert.deepEqual(report.disconnected, { code: 1, reason: 'disconnect called' });
  assert.deepEqual(report.finalState, 'disconnected');
}
