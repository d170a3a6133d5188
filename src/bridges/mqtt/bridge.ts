// The MQTT bridge: one MQTT.js client per Volley node, inbound rules (MQTT -> channels) and
// outbound rules (channels -> MQTT). MQTT.js is imported only when a bridge starts.
//
// Delivery, inbound: a QoS 1/2 message is acknowledged (PUBACK/PUBREC) only after the Volley
// broker accepted its publication; MQTT.js sends the acknowledgement when handleMessage's
// callback runs, and hands over the next message only then, so messages go into Volley one at
// a time, in the order the broker sent them. With a persistent session the broker keeps what
// is not acknowledged while the bridge is away and sends it again.
// Outbound: the publish interceptor sends the command to MQTT before the Volley broker publish
// and refuses the publication (unavailable) when the broker is not connected or does not
// acknowledge in time; only the node where the publication was made sends it.

import { readFileSync } from 'node:fs';
import type { IClientOptions, IPublishPacket, MqttClient, ISubscriptionGrant } from 'mqtt';
import { HubError, isTemporaryPublishError, type BridgeHost, type BridgePublication } from './host.js';
import { FIRST_SUBSCRIPTION_ID, InboundMapper, SNAPSHOT_OFFSET, type InboundMessage } from './inbound.js';
import { resolveMqttBridgeOptions, type ResolvedMqttBridgeOptions } from './options.js';
import { OutboundMapper } from './outbound.js';
import { RecentDeliveries } from './redeliveries.js';
import { emptyInbound, emptyOutbound, type BridgeState, type MqttBridgeStats } from './stats.js';

/** The MQTT 5 user property that marks what a bridge published, so that no bridge of the same id takes it back. */
export const ORIGIN_PROPERTY = 'volley-bridge';

export interface MqttBridgeRuntime {
  /** Log lines (dropped messages, connection changes). Default: console.warn with a prefix. */
  log?: (line: string) => void;
}

/** How often the same kind of drop is logged at most; the lines in between are counted. */
const LOG_EVERY_MS = 10_000;
const MAX_PUBLISH_RETRY_DELAY_MS = 5_000;
/** How long close() waits for the message in progress, and for a normal disconnect. */
const CLOSE_WAIT_MS = 5_000;

export class MqttBridge {
  readonly options: ResolvedMqttBridgeOptions;
  private readonly inbound: InboundMapper;
  private readonly outbound: OutboundMapper;
  private readonly recent = new RecentDeliveries();
  private readonly tag: string;
  private readonly log: (line: string) => void;
  private readonly counters = { inbound: emptyInbound(), outbound: emptyOutbound() };
  private readonly lastLogged = new Map<string, { at: number; skipped: number }>();
  private client: MqttClient | undefined;
  private state: BridgeState = 'connecting';
  private connectedSince: number | undefined;
  private connects = 0;
  private disconnects = 0;
  private lastError: string | undefined;
  private reconnectAttempt = 0;
  /** Bumped on every connection: work begun on an older one must not acknowledge on the new one. */
  private generation = 0;
  private inboundChain: Promise<void> = Promise.resolve();
  private subscribedOnce = false;
  private removeInterceptor: (() => void) | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: unknown, private readonly host: BridgeHost, runtime: MqttBridgeRuntime = {}) {
    this.options = resolveMqttBridgeOptions(options);
    this.inbound = new InboundMapper(this.options.inbound, host.maxPublicationSize);
    this.outbound = new OutboundMapper(this.options.outbound);
    this.tag = `mqtt:${this.options.bridgeId}`;
    this.log = runtime.log ?? ((line) => console.warn(`volley mqtt: ${line}`));
  }

  /** The broker URL without credentials, as logs and errors show it. */
  get url(): string {
    const url = new URL(this.options.url);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  }

  /**
   * Connects and subscribes. Resolves once subscribed; when the broker cannot be reached in
   * connectTimeoutMs, rejects naming the URL, or (retryAtStart) resolves and keeps trying.
   */
  async start(): Promise<void> {
    this.checkNamespaces();
    const mqtt = await import('mqtt');
    const client = mqtt.connect(this.options.url, this.clientOptions());
    this.client = client;
    client.handleMessage = (packet, callback) => this.enqueue(packet, callback);
    // Ahead of MQTT.js's own 'close' listener, which schedules the reconnect with this period.
    client.prependListener('close', () => this.onClose());
    client.on('connect', (connack) => this.onConnect(connack.sessionPresent));
    client.on('error', (error) => {
      this.lastError = error.message;
    });
    client.on('disconnect', (packet) => {
      this.lastError = `broker disconnected the bridge (reason ${packet.reasonCode ?? 0})`;
      if (packet.reasonCode === 0x8e) this.log(`client id ${this.options.clientId} was taken over by another connection: give each node its own clientId`);
    });
    this.removeInterceptor = this.host.addPublishInterceptor((publication) => this.intercept(publication));
    try {
      await this.waitUntilSubscribed();
    } catch (error) {
      if (!this.options.retryAtStart) {
        await this.close();
        throw error;
      }
      this.log(`${(error as Error).message}; starting anyway and retrying`);
    }
  }

  stats(): MqttBridgeStats {
    const stats: MqttBridgeStats = {
      state: this.state,
      url: this.url,
      clientId: this.options.clientId,
      protocolVersion: this.options.protocolVersion,
      connects: this.connects,
      disconnects: this.disconnects,
      inbound: { ...this.counters.inbound },
      outbound: { ...this.counters.outbound },
    };
    if (this.options.sharedGroup !== undefined) stats.sharedGroup = this.options.sharedGroup;
    if (this.connectedSince !== undefined) stats.connectedSince = this.connectedSince;
    if (this.lastError !== undefined) stats.lastError = this.lastError;
    return stats;
  }

  /**
   * Stops taking messages, lets the one in progress finish (and be acknowledged), and
   * disconnects normally, so a persistent session keeps the rest for the next start. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.removeInterceptor?.();
      this.state = 'closed';
      const client = this.client;
      if (client === undefined) return;
      // The message in progress finishes (and is acknowledged) unless its publish hangs: then the broker keeps it.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([this.inboundChain, new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
      clearTimeout(timer);
      client.options.reconnectPeriod = 0;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => client.end(true, {}, () => resolve()), CLOSE_WAIT_MS);
        client.end(!client.connected, {}, () => {
          clearTimeout(timer);
          resolve();
        });
      });
    })();
    return this.closing;
  }

  // ---- connection ----

  private clientOptions(): IClientOptions {
    const o = this.options;
    const options: IClientOptions = {
      protocolVersion: o.protocolVersion,
      clientId: o.clientId,
      clean: o.session === 'clean',
      keepalive: o.keepaliveSeconds,
      connectTimeout: Math.min(o.connectTimeoutMs, 30_000),
      reconnectPeriod: this.nextReconnectDelay(),
      resubscribe: false,
      queueQoSZero: false,
    };
    if (o.username !== undefined) options.username = o.username;
    if (o.password !== undefined) options.password = o.password;
    if (o.protocolVersion === 5) {
      options.properties = {
        sessionExpiryInterval: o.session === 'clean' ? 0 : o.sessionExpirySeconds,
        receiveMaximum: o.receiveMaximum,
      };
    }
    if (o.tls !== undefined) {
      options.rejectUnauthorized = o.tls.rejectUnauthorized;
      if (o.tls.caFile !== undefined) options.ca = readFileSync(o.tls.caFile);
      if (o.tls.certFile !== undefined) options.cert = readFileSync(o.tls.certFile);
      if (o.tls.keyFile !== undefined) options.key = readFileSync(o.tls.keyFile);
    }
    return options;
  }

  /** Exponential backoff with ±50 % jitter, so that many nodes do not reconnect in step. */
  private nextReconnectDelay(): number {
    const base = Math.min(this.options.maxReconnectDelayMs, this.options.reconnectDelayMs * 2 ** Math.min(this.reconnectAttempt, 20));
    this.reconnectAttempt += 1;
    return Math.max(1, Math.round(base * (0.5 + Math.random())));
  }

  private onConnect(sessionPresent: boolean): void {
    this.generation += 1;
    this.connects += 1;
    this.reconnectAttempt = 0;
    this.connectedSince = Date.now();
    this.state = 'connected';
    if (this.connects > 1) this.log(`reconnected to ${this.url} (session ${sessionPresent ? 'resumed' : 'new'})`);
    // A resumed session still has the subscriptions; a new one (or the first start) needs them.
    if (!sessionPresent || !this.subscribedOnce) {
      this.subscribe().catch((error: unknown) => {
        this.lastError = (error as Error).message;
        this.log((error as Error).message);
      });
    }
  }

  private onClose(): void {
    const client = this.client;
    if (client === undefined) return;
    if (this.state === 'connected') {
      this.disconnects += 1;
      this.log(`lost the connection to ${this.url}${this.lastError === undefined ? '' : ` (${this.lastError})`}; reconnecting`);
    }
    this.connectedSince = undefined;
    if (this.state !== 'closed') {
      this.state = this.connects === 0 ? 'connecting' : 'reconnecting';
      client.options.reconnectPeriod = this.nextReconnectDelay();
    }
  }

  private subscribing: Promise<void> | undefined;

  private subscribe(): Promise<void> {
    const client = this.client!;
    const shared = this.options.sharedGroup;
    const work = async () => {
      for (const { index, rule } of this.inbound.rules) {
        const filter = shared === undefined ? rule.topic : `$share/${shared}/${rule.topic}`;
        const v5 = this.options.protocolVersion === 5;
        // noLocal is a protocol error on a shared subscription; the origin property covers both.
        const grants = await client.subscribeAsync(
          { [filter]: { qos: rule.qos, ...(v5 ? { nl: shared === undefined, rh: 0 } : {}) } },
          v5 ? { properties: { subscriptionIdentifier: FIRST_SUBSCRIPTION_ID + index } } : {},
        );
        checkGrants(grants, index, filter);
        // Shared subscriptions get no retained messages (MQTT 5, 4.8.2): a plain subscription
        // made and dropped at once fetches the current state, marked by its own identifier.
        if (shared !== undefined) {
          const snapshot = await client.subscribeAsync(
            { [rule.topic]: { qos: rule.qos, nl: true, rh: 0 } },
            { properties: { subscriptionIdentifier: FIRST_SUBSCRIPTION_ID + index + SNAPSHOT_OFFSET } },
          );
          checkGrants(snapshot, index, rule.topic);
          await client.unsubscribeAsync(rule.topic);
        }
      }
      this.subscribedOnce = true;
    };
    this.subscribing = work();
    return this.subscribing;
  }

  private waitUntilSubscribed(): Promise<void> {
    const client = this.client!;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`cannot reach the MQTT broker at ${this.url} within ${this.options.connectTimeoutMs} ms${this.lastError === undefined ? '' : ` (${this.lastError})`}`));
      }, this.options.connectTimeoutMs);
      const onConnect = () => {
        this.subscribing!.then(() => {
          cleanup();
          resolve();
        }, (error: unknown) => {
          cleanup();
          reject(error);
        });
      };
      const cleanup = () => {
        clearTimeout(timer);
        client.off('connect', onConnect);
      };
      // 'connect' listeners run in order: the bridge's own has started subscribing by now.
      client.on('connect', onConnect);
    });
  }

  // ---- inbound ----

  private enqueue(packet: IPublishPacket, callback: (error?: Error) => void): void {
    const generation = this.generation;
    this.inboundChain = this.inboundChain.then(() => this.receive(packet, generation, callback)).catch((error: unknown) => {
      this.log(`inbound message failed: ${String(error)}`);
    });
  }

  private async receive(packet: IPublishPacket, generation: number, callback: (error?: Error) => void): Promise<void> {
    // Closing: not published and not acknowledged; the persistent session keeps it for the next start.
    if (this.state === 'closed') return;
    const counters = this.counters.inbound;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : Buffer.from(packet.payload);
    counters.received += 1;
    if (packet.retain) counters.retained += 1;
    const properties = packet.properties;
    const origin = properties?.userProperties?.[ORIGIN_PROPERTY];
    if (origin === this.options.bridgeId || (Array.isArray(origin) && origin.includes(this.options.bridgeId))) {
      counters.loops += 1;
      callback();
      return;
    }
    const id = packet.messageId;
    if (packet.dup && id !== undefined && this.recent.isResent(id, packet.topic, payload)) {
      counters.duplicates += 1;
      callback();
      return;
    }
    const subscriptionId = properties?.subscriptionIdentifier;
    const message: InboundMessage = {
      topic: packet.topic,
      payload,
      retain: packet.retain,
      subscriptionIds: subscriptionId === undefined ? [] : Array.isArray(subscriptionId) ? subscriptionId : [subscriptionId],
      ...(properties?.contentType === undefined ? {} : { contentType: properties.contentType }),
    };
    const rules = this.inbound.rulesFor(message);
    if (rules.length === 0) {
      // A live copy for a retained-state snapshot subscription is not "no rule": the shared subscription carries it.
      if (!message.subscriptionIds.some((s) => s >= SNAPSHOT_OFFSET)) {
        counters.noRule += 1;
        this.drop('noRule', `no inbound rule maps topic ${JSON.stringify(packet.topic)}`);
      }
      callback();
      return;
    }
    const receivedAt = Date.now();
    for (const rule of rules) {
      const target = this.inbound.map(rule, message, receivedAt);
      if (!target.ok) {
        counters[target.reason] += 1;
        this.drop(target.reason, target.detail);
        continue;
      }
      const outcome = await this.publishInbound(target.channel, target.data, generation, rule.index);
      if (outcome === 'abandoned') return;
    }
    if (id !== undefined && packet.qos > 0) this.recent.remember(id, packet.topic, payload);
    // Work begun on a connection that is gone acknowledges nothing: the broker sends the
    // message again on the new one, and `recent` recognises it.
    if (generation === this.generation) callback();
  }

  /** Publishes into Volley, retrying passing failures until it succeeds, the connection changes or the bridge closes. */
  private async publishInbound(channel: string, data: unknown, generation: number, rule: number): Promise<'published' | 'rejected' | 'abandoned'> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.host.publish(channel, data, { tag: this.tag });
        this.counters.inbound.published += 1;
        return 'published';
      } catch (error) {
        if (!isTemporaryPublishError(error)) {
          this.counters.inbound.rejected += 1;
          this.drop('rejected', `the hub refused a publication into ${channel} (inbound[${rule}]): ${(error as Error).message}`);
          return 'rejected';
        }
        this.counters.inbound.retries += 1;
        this.drop('retry', `publishing into ${channel} failed (${(error as Error).message}); trying again`);
        await new Promise((resolve) => setTimeout(resolve, Math.min(MAX_PUBLISH_RETRY_DELAY_MS, 50 * 2 ** Math.min(attempt, 10))));
        if (this.state === 'closed' || generation !== this.generation) return 'abandoned';
      }
    }
  }

  /** A log line for a dropped message, at most one per kind every LOG_EVERY_MS (with the count of those left out). */
  private drop(kind: string, line: string): void {
    const now = Date.now();
    const last = this.lastLogged.get(kind);
    if (last !== undefined && now - last.at < LOG_EVERY_MS) {
      last.skipped += 1;
      return;
    }
    const skipped = last?.skipped ?? 0;
    this.lastLogged.set(kind, { at: now, skipped: 0 });
    this.log(`${line}${skipped > 0 ? ` (and ${skipped} more like it since the last line)` : ''}`);
  }

  // ---- outbound ----

  private async intercept(publication: BridgePublication): Promise<void> {
    if (publication.tag === this.tag) return;
    let target;
    try {
      target = this.outbound.map(publication.channel, publication.data);
    } catch (error) {
      this.counters.outbound.invalid += 1;
      throw error;
    }
    if (target === undefined) return;
    const client = this.client;
    if (client === undefined || !client.connected || this.state !== 'connected') {
      this.counters.outbound.unavailable += 1;
      throw new HubError('unavailable', 'the MQTT broker is not connected; try again');
    }
    const properties = this.options.protocolVersion === 5 ? { properties: { userProperties: { [ORIGIN_PROPERTY]: this.options.bridgeId } } } : {};
    try {
      await withTimeout(
        client.publishAsync(target.topic, target.payload, { qos: target.qos, retain: target.retain, ...properties }),
        this.options.publishTimeoutMs,
      );
    } catch (error) {
      this.counters.outbound.unavailable += 1;
      this.lastError = (error as Error).message;
      throw new HubError('unavailable', `the MQTT broker did not accept the message (${(error as Error).message}); try again`);
    }
    this.counters.outbound.sent += 1;
  }

  // ---- start-up checks ----

  /** Every inbound channel template must name a namespace the hub has; without history, retained state is not kept. */
  private checkNamespaces(): void {
    for (const { index, rule } of this.inbound.rules) {
      const sample = rule.channel.replace(/\{[0-9]+\}/g, 'x');
      let keeps: boolean;
      try {
        keeps = this.host.keepsHistory(sample);
      } catch (error) {
        throw new Error(`mqtt.inbound[${index}].channel: ${JSON.stringify(rule.channel)}: ${(error as Error).message}`);
      }
      if (!keeps) this.log(`inbound[${index}] publishes into ${JSON.stringify(rule.channel)}, whose namespace keeps no history: subscribers will not see the current (retained) state at once`);
    }
  }
}

function checkGrants(grants: ISubscriptionGrant[], rule: number, filter: string): void {
  for (const grant of grants) {
    if (grant.qos > 2) throw new Error(`the MQTT broker refused the subscription ${JSON.stringify(filter)} of inbound[${rule}] (reason ${grant.qos})`);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no acknowledgement within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/** Creates and starts a bridge; rejects when the options are bad or (without retryAtStart) the broker is unreachable. */
export async function startMqttBridge(options: unknown, host: BridgeHost, runtime: MqttBridgeRuntime = {}): Promise<MqttBridge> {
  const bridge = new MqttBridge(options, host, runtime);
  await bridge.start();
  return bridge;
}
