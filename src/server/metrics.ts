// The server's Prometheus metrics, with prom-client (imported only when metrics are enabled).
// Each server has its own Registry, so two servers in one process never share series. The hub
// reports through a HubObserver; gauges of state (connections, subscriptions, channels, the
// broker, the MQTT bridge) are read when Prometheus scrapes. Labels take values from fixed
// sets only (transports, methods, codes): never a channel, user or client id.

import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MqttBridgeStats } from '../bridges/mqtt/index.js';
import type { Hub } from '../hub/hub.js';
import type { HubObserver, ObservedConnection } from '../hub/observer.js';
import { DisconnectCode, ErrorName, type Method } from '../wire/index.js';

/** What the metrics read from the server when scraped. */
export interface MetricsSources {
  readonly hub: Hub;
  /** Connections counted against maxConnections now. */
  connections(): number;
  /** 1 when the broker answered its last probe. */
  brokerUp(): boolean;
  /** 1 when /readyz would answer 200. */
  ready(): boolean;
  mqttStats(): MqttBridgeStats | undefined;
}

export interface ServerMetrics {
  readonly observer: HubObserver;
  readonly contentType: string;
  /** The text exposition of every metric. */
  render(): Promise<string>;
  /** An upgrade or request refused with an HTTP status before it became a session. */
  handshakeRefused(status: number): void;
  brokerRoundTrip(seconds: number): void;
  brokerLost(): void;
  brokerBack(downSeconds: number): void;
}

const TRANSPORTS = new Set(['websocket', 'sse', 'http-stream', 'long-polling']);
/** Close codes by the reason label they get; any other code is 'other'. */
const CLOSE_REASONS: ReadonlyMap<number, string> = new Map([
  [DisconnectCode.shutdown, 'shutdown'],
  [DisconnectCode.connectTimeout, 'connect_timeout'],
  [DisconnectCode.slowConsumer, 'slow_consumer'],
  [DisconnectCode.internal, 'internal'],
  [DisconnectCode.unauthorized, 'unauthorized'],
  [DisconnectCode.badRequest, 'bad_request'],
  [DisconnectCode.tokenExpired, 'token_expired'],
  [DisconnectCode.forceDisconnect, 'force_disconnect'],
  [DisconnectCode.messageTooLarge, 'message_too_large'],
  [1003, 'unsupported_data'],
]);
const COMMAND_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const BROKER_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

const transportLabel = (transport: string) => (TRANSPORTS.has(transport) ? transport : 'other');
const errorLabel = (code: number) => ErrorName[code as keyof typeof ErrorName] ?? 'other';
/** HTTP statuses are a bounded set; anything outside 100–599 is 'other'. */
const statusLabel = (status: number) => (Number.isInteger(status) && status >= 100 && status <= 599 ? String(status) : 'other');

export async function createMetrics(sources: MetricsSources): Promise<ServerMetrics> {
  const prom = await import('prom-client');
  const registry: Registry = new prom.Registry();
  prom.collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new prom.Counter<L>({ name, help, labelNames, registers });
  const gauge = <L extends string>(name: string, help: string, collect?: (this: Gauge<L>) => void, labelNames: readonly L[] = []) =>
    new prom.Gauge<L>({ name, help, labelNames, registers, ...(collect === undefined ? {} : { collect }) });
  /** A counter whose total is kept elsewhere (hub.stats, the bridge) and copied when scraped. */
  const mirrored = (name: string, help: string, read: () => number | undefined) =>
    new prom.Counter({
      name,
      help,
      registers,
      collect() {
        const value = read();
        if (value === undefined) return;
        this.reset();
        this.inc(value);
      },
    });

  const { hub } = sources;
  gauge('volley_connections', 'Connections open now and counted against maxConnections (TCP for an owned server, upgrades when attached).', function () {
    this.set(sources.connections());
  });
  const sessions = gauge('volley_sessions', 'Hub sessions open now, by transport.', undefined, ['transport']);
  const sessionsOpened = counter('volley_sessions_opened_total', 'Hub sessions accepted, by transport.', ['transport']);
  gauge('volley_subscriptions', "Channel subscriptions of this node's sessions.", function () {
    this.set(hub.subscriptionCount);
  });
  gauge('volley_channels', 'Channels with at least one subscriber on this node.', function () {
    this.set(hub.channelCount);
  });
  const messagesReceived = counter('volley_messages_received_total', 'Command frames received from clients.');
  const receivedBytes = counter('volley_received_bytes_total', 'Bytes of command frames received (UTF-8 text).');
  const messagesSent = counter('volley_messages_sent_total', 'Messages (replies and pushes) written to sessions.');
  const sentBytes = counter('volley_sent_bytes_total', 'Bytes of the messages written to sessions (UTF-8 text, before framing).');
  mirrored('volley_publications_total', 'Publications accepted on this node (clients, HTTP API, server).', () => hub.stats.publications);
  const commandSeconds = new prom.Histogram<'method'>({
    name: 'volley_command_duration_seconds',
    help: 'Time from a command frame to its handling done, by method.',
    labelNames: ['method'],
    buckets: COMMAND_BUCKETS,
    registers,
  });
  const errors = counter('volley_errors_total', 'Error replies, by error code and name.', ['code', 'error']);
  const disconnects = counter('volley_disconnects_total', 'Sessions closed, by close code and reason (code "none", reason "client": the peer or the network ended it).', ['code', 'reason']);
  const refusals = counter('volley_refusals_total', 'Connections refused: stage "handshake" by HTTP status, stage "connect" by error name.', ['stage', 'reason']);
  const recoveries = counter('volley_recoveries_total', 'Subscribes with a position, by result (recovered, not_recovered).', ['result']);
  const gaps = counter('volley_channel_gaps_total', 'Times publications of a channel were lost on their way to this node (history could not fill them; subscribers were told).');
  gauge('volley_ready', '1 when /readyz answers 200 (broker reachable, not draining).', function () {
    this.set(sources.ready() ? 1 : 0);
  });
  gauge('volley_broker_up', '1 when the broker answered its last probe.', function () {
    this.set(sources.brokerUp() ? 1 : 0);
  });
  const brokerSeconds: Histogram = new prom.Histogram({
    name: 'volley_broker_round_trip_seconds',
    help: 'Round trip of the periodic broker probe (a PING or flush).',
    buckets: BROKER_BUCKETS,
    registers,
  });
  const brokerOutages = counter('volley_broker_outages_total', 'Times the broker became unreachable.');
  const brokerOutageSeconds = counter('volley_broker_outage_seconds_total', 'Time the broker was unreachable, counted when it came back.');
  mqttMetrics(sources, mirrored, gauge);

  const commandTimers = new Map<Method, (value: number) => void>();
  const observer: HubObserver = {
    opened(connection: ObservedConnection) {
      const transport = transportLabel(connection.transport);
      sessions.inc({ transport });
      sessionsOpened.inc({ transport });
    },
    connected() {},
    refused(_connection, error) {
      refusals.inc({ stage: 'connect', reason: errorLabel(error.code) });
    },
    closed(connection, code) {
      sessions.dec({ transport: transportLabel(connection.transport) });
      if (code === undefined) disconnects.inc({ code: 'none', reason: 'client' });
      else {
        const reason = CLOSE_REASONS.get(code);
        disconnects.inc(reason === undefined ? { code: 'other', reason: 'other' } : { code: String(code), reason });
      }
    },
    received(bytes) {
      messagesReceived.inc();
      receivedBytes.inc(bytes);
    },
    command(method, seconds) {
      let observe = commandTimers.get(method);
      if (observe === undefined) {
        const child = commandSeconds.labels({ method });
        observe = (value) => child.observe(value);
        commandTimers.set(method, observe);
      }
      observe(seconds);
    },
    error(code) {
      const name = errorLabel(code);
      errors.inc({ code: name === 'other' ? 'other' : String(code), error: name });
    },
    sent(bytes, recipients) {
      if (recipients === 0) return;
      messagesSent.inc(recipients);
      sentBytes.inc(bytes * recipients);
    },
    recovery(recovered) {
      recoveries.inc({ result: recovered ? 'recovered' : 'not_recovered' });
    },
    gap() {
      gaps.inc();
    },
  };

  return {
    observer,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    handshakeRefused: (status) => refusals.inc({ stage: 'handshake', reason: statusLabel(status) }),
    brokerRoundTrip: (seconds) => brokerSeconds.observe(seconds),
    brokerLost: () => brokerOutages.inc(),
    brokerBack: (downSeconds) => brokerOutageSeconds.inc(downSeconds),
  };
}

type Mirrored = (name: string, help: string, read: () => number | undefined) => Counter;
type GaugeMaker = <L extends string>(name: string, help: string, collect?: (this: Gauge<L>) => void) => Gauge<L>;

/** The MQTT bridge's own counters (bridge.stats()), present only when a bridge is configured. */
function mqttMetrics(sources: MetricsSources, mirrored: Mirrored, gauge: GaugeMaker): void {
  const stats = sources.mqttStats;
  if (stats() === undefined) return;
  gauge('volley_mqtt_connected', '1 while the MQTT bridge is connected to its broker.', function () {
    this.set(stats()?.state === 'connected' ? 1 : 0);
  });
  mirrored('volley_mqtt_connects_total', 'Connections the bridge made to the MQTT broker.', () => stats()?.connects);
  mirrored('volley_mqtt_disconnects_total', 'Times the bridge lost the MQTT broker.', () => stats()?.disconnects);
  const inbound = {
    received: 'MQTT messages received by the bridge.',
    published: 'Publications the bridge made into Volley (a message matching two rules counts twice).',
    retained: 'Retained MQTT messages among those received.',
    duplicates: 'Resent MQTT messages (DUP) already published: not published again.',
    loops: "MQTT messages the bridge had sent itself: dropped.",
    noRule: 'MQTT messages no inbound rule maps: dropped.',
    invalidChannel: 'MQTT messages whose topic is no valid channel name: dropped.',
    undecodable: "MQTT messages whose payload the rule's mode cannot decode: dropped.",
    tooLarge: 'MQTT messages over maxPublicationSize: dropped.',
    rejected: 'MQTT messages the hub refused for good: dropped.',
    retries: 'Publishes into Volley tried again after a passing failure.',
  } as const;
  for (const [key, help] of Object.entries(inbound) as [keyof typeof inbound, string][]) {
    mirrored(`volley_mqtt_inbound_${snake(key)}_total`, help, () => stats()?.inbound[key]);
  }
  const outbound = {
    sent: 'Publications the bridge sent to MQTT.',
    unavailable: 'Publications refused with unavailable (MQTT not connected or no acknowledgement in time).',
    invalid: 'Publications refused with bad_request (no valid topic or payload).',
  } as const;
  for (const [key, help] of Object.entries(outbound) as [keyof typeof outbound, string][]) {
    mirrored(`volley_mqtt_outbound_${snake(key)}_total`, help, () => stats()?.outbound[key]);
  }
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}
