// The MQTT bridge's options: their types, defaults and one zod schema that checks them,
// including every mapping rule, so that a bad filter or template stops the start with a
// message naming the rule (`mqtt.inbound[1].channel: ...`). docs/mqtt.md has the same table.

import { hostname } from 'node:os';
import { z } from 'zod';
import { parseChannelName } from './host.js';
import {
  channelPatternMatcher, filtersOverlap, highestCapture, parseTemplate, renderTemplate, starCount,
  topicFilterProblem, wildcardCount, type TemplatePart,
} from './topics.js';

const qos = z.union([z.literal(0), z.literal(1), z.literal(2)]);

const topicFilter = z.string().superRefine((filter, ctx) => {
  const problem = topicFilterProblem(filter);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `topic filter ${JSON.stringify(filter)} ${problem}` });
});

const inboundRule = z.strictObject({
  /** MQTT topic filter, with `+` (one level) and `#` (the rest). */
  topic: topicFilter,
  /** Volley channel template; `{1}`, `{2}`… are the filter's wildcards in order. */
  channel: z.string().min(1),
  /** QoS of the subscription. Default 1. */
  qos: qos.default(1),
  /** How the payload becomes data: 'auto' (JSON, else text, else base64), or one of them only. Default 'auto'. */
  payload: z.enum(['auto', 'json', 'text', 'base64']).default('auto'),
});

const outboundRule = z.strictObject({
  /** Volley channel pattern; `*` stands for one segment (no '.'). */
  channel: z.string().min(1),
  /** MQTT topic template; `{1}`… are the pattern's `*`s, `{data.field}` a field of the published data. */
  topic: z.string().min(1),
  /** QoS of the MQTT publish. Default 1. */
  qos: qos.default(1),
  /** Publish with the retain flag. Default false. */
  retain: z.boolean().default(false),
  /** 'json': the data as JSON text; 'text': string data as it is. Default 'json'. */
  payload: z.enum(['json', 'text']).default('json'),
});

const name = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, "_" or "-"');

export const mqttBridgeSchema = z
  .strictObject({
    /** Broker URL: mqtt://, mqtts:// (TLS), ws:// or wss://. Required. */
    url: z.string().regex(/^(mqtts?|wss?):\/\/[^/]+/, 'must be an mqtt://, mqtts://, ws:// or wss:// URL'),
    /** 5 (MQTT 5, the default) or 4 (MQTT 3.1.1). */
    protocolVersion: z.union([z.literal(5), z.literal(4)]).default(5),
    /** Names this bridge (all nodes of one cluster share it): the loop marker and the default client id. Default 'volley'. */
    bridgeId: name.default('volley'),
    /** MQTT client id; must be stable across restarts for a persistent session, unique per node. Default `<bridgeId>-<hostname>`. */
    clientId: z.string().min(1).max(128).optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    /** TLS for mqtts:// and wss://: PEM files and whether to verify the broker. */
    tls: z
      .strictObject({
        caFile: z.string().min(1).optional(),
        certFile: z.string().min(1).optional(),
        keyFile: z.string().min(1).optional(),
        rejectUnauthorized: z.boolean().default(true),
      })
      .optional(),
    /** 'persistent': the broker keeps subscriptions and unacknowledged messages while the bridge is away. Default 'persistent'. */
    session: z.enum(['persistent', 'clean']).default('persistent'),
    /** How long the broker keeps a persistent session after a disconnect (MQTT 5). Default 86400 s. */
    sessionExpirySeconds: z.number().int().min(0).max(0xffffffff).default(86_400),
    /** MQTT 5 shared subscription group: each message goes to one node of the group. Default: none (every node gets every message). */
    sharedGroup: name.optional(),
    keepaliveSeconds: z.number().int().min(0).max(65_535).default(30),
    /** Most unacknowledged QoS 1/2 messages the broker may send at once (MQTT 5). Default 100. */
    receiveMaximum: z.number().int().min(1).max(65_535).default(100),
    /** Wait for a broker connection at start this long before failing (or, with retryAtStart, going on). Default 10000. */
    connectTimeoutMs: z.number().int().min(100).default(10_000),
    /** Unreachable at start: false throws naming the URL (volley serve exits); true starts anyway and keeps trying. Default false. */
    retryAtStart: z.boolean().default(false),
    /** Reconnect delays: exponential from the first to the max, each with ±50 % jitter. Defaults 500 and 30000 ms. */
    reconnectDelayMs: z.number().int().min(10).default(500),
    maxReconnectDelayMs: z.number().int().min(10).default(30_000),
    /** An outbound publish not acknowledged by the broker in this time is refused with `unavailable`. Default 5000. */
    publishTimeoutMs: z.number().int().min(100).default(5_000),
    inbound: z.array(inboundRule).default([]),
    outbound: z.array(outboundRule).default([]),
  })
  .superRefine((options, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (options.inbound.length === 0 && options.outbound.length === 0) issue(['inbound'], 'give at least one inbound or outbound rule');
    options.inbound.forEach((rule, i) => {
      const problem = channelTemplateProblem(rule.channel, wildcardCount(rule.topic));
      if (problem !== undefined) issue(['inbound', i, 'channel'], `channel template ${JSON.stringify(rule.channel)} ${problem}`);
    });
    options.outbound.forEach((rule, i) => {
      const patternProblem = channelPatternProblem(rule.channel);
      if (patternProblem !== undefined) issue(['outbound', i, 'channel'], `channel pattern ${JSON.stringify(rule.channel)} ${patternProblem}`);
      const topicProblem = topicTemplateProblem(rule.topic, starCount(rule.channel));
      if (topicProblem !== undefined) issue(['outbound', i, 'topic'], `topic template ${JSON.stringify(rule.topic)} ${topicProblem}`);
      // MQTT 3.1.1 has neither noLocal nor user properties: the bridge could not tell its own commands from a device's.
      if (options.protocolVersion === 4 && topicProblem === undefined) {
        const asFilter = renderTemplate(parseTemplate(rule.topic, true), () => '+');
        const j = options.inbound.findIndex((inbound) => filtersOverlap(asFilter, inbound.topic));
        if (j >= 0) issue(['outbound', i, 'topic'], `topic template ${JSON.stringify(rule.topic)} overlaps inbound[${j}].topic: with MQTT 3.1.1 that would loop (use protocolVersion 5)`);
      }
    });
    if (options.maxReconnectDelayMs < options.reconnectDelayMs) issue(['maxReconnectDelayMs'], 'must be >= reconnectDelayMs');
    if (options.sharedGroup !== undefined && options.protocolVersion !== 5) issue(['sharedGroup'], 'shared subscriptions need protocolVersion 5');
  });

export type MqttBridgeOptions = z.input<typeof mqttBridgeSchema>;
export type ResolvedMqttBridgeOptions = z.output<typeof mqttBridgeSchema> & { clientId: string };
export type InboundRule = ResolvedMqttBridgeOptions['inbound'][number];
export type OutboundRule = ResolvedMqttBridgeOptions['outbound'][number];

/** A bad bridge config; the message names every bad key (`mqtt.outbound[0].topic: …`). volley serve exits 2 with it. */
export class MqttConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MqttConfigError';
  }
}

/** Checks the options and fills in the defaults; throws MqttConfigError naming each bad rule. */
export function resolveMqttBridgeOptions(input: unknown, where = 'mqtt'): ResolvedMqttBridgeOptions {
  const result = mqttBridgeSchema.safeParse(input);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${where}${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${issue.message}`);
    throw new MqttConfigError(lines.join('; '));
  }
  const options = result.data;
  return { ...options, clientId: options.clientId ?? `${options.bridgeId}-${hostname()}`.slice(0, 128) };
}

/** A channel template must fill to a valid channel name and use no more captures than the filter has. */
function channelTemplateProblem(template: string, captures: number): string | undefined {
  let parts: TemplatePart[];
  try {
    parts = parseTemplate(template, false);
  } catch (error) {
    return (error as Error).message;
  }
  const highest = highestCapture(parts);
  if (highest > captures) return `uses {${highest}} but the topic filter has ${captures} wildcard${captures === 1 ? '' : 's'}`;
  if (parseChannelName(renderTemplate(parts, () => 'x')) === undefined) return 'does not form a valid channel name';
  return undefined;
}

function channelPatternProblem(pattern: string): string | undefined {
  if (parseChannelName(pattern.replaceAll('*', 'x')) === undefined) return 'is not a channel name (with * for one segment)';
  channelPatternMatcher(pattern);
  return undefined;
}

/** A topic template may hold no wildcards or NUL, nor start with '$', and uses only the pattern's captures. */
function topicTemplateProblem(template: string, captures: number): string | undefined {
  let parts: TemplatePart[];
  try {
    parts = parseTemplate(template, true);
  } catch (error) {
    return (error as Error).message;
  }
  const highest = highestCapture(parts);
  if (highest > captures) return `uses {${highest}} but the channel pattern has ${captures} "*"`;
  const literal = parts.map((part) => ('text' in part ? part.text : '')).join('');
  if (/[+#]/.test(literal) || literal.includes('\u0000')) return 'must not contain "+", "#" or NUL';
  if (template.startsWith('$')) return 'must not start with "$" (reserved for the broker)';
  if (renderTemplate(parts, () => 'x').split('/').some((level) => level === '')) return 'has an empty level';
  return undefined;
}
