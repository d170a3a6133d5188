// Inbound mapping: which rules an MQTT message falls under, and the channel and data each
// of them publishes. No I/O here; the bridge does the publishing.

import { parseChannelName } from './host.js';
import type { InboundRule } from './options.js';
import { decodePayload, type MqttMessageData, type PayloadMode } from './payload.js';
import { matchTopic, parseTemplate, renderTemplate, type TemplatePart } from './topics.js';

/** Subscription identifiers (MQTT 5) of the rules start here; the retained-state snapshot of a shared rule adds SNAPSHOT_OFFSET. */
export const FIRST_SUBSCRIPTION_ID = 1;
export const SNAPSHOT_OFFSET = 10_000;

export interface CompiledInboundRule {
  index: number;
  rule: InboundRule;
  channel: readonly TemplatePart[];
}

export interface InboundMessage {
  topic: string;
  payload: Buffer;
  retain: boolean;
  contentType?: string;
  /** The subscription identifiers the broker delivered it for (MQTT 5); empty otherwise. */
  subscriptionIds: readonly number[];
}

export type InboundTarget =
  | { ok: true; channel: string; data: MqttMessageData }
  | { ok: false; reason: 'invalidChannel' | 'undecodable' | 'tooLarge'; detail: string };

export class InboundMapper {
  readonly rules: readonly CompiledInboundRule[];

  constructor(rules: readonly InboundRule[], private readonly maxPublicationSize: number) {
    this.rules = rules.map((rule, index) => ({ index, rule, channel: parseTemplate(rule.channel, false) }));
  }

  /**
   * The rules a message falls under: those named by its subscription identifiers, or, when it
   * carries none (MQTT 3.1.1), every rule whose filter matches its topic. A retained-state
   * snapshot delivery counts only when it is retained (live messages arrive by the shared subscription).
   */
  rulesFor(message: InboundMessage): CompiledInboundRule[] {
    if (message.subscriptionIds.length === 0) return this.rules.filter((r) => matchTopic(r.rule.topic, message.topic) !== undefined);
    const rules = new Set<CompiledInboundRule>();
    for (const id of message.subscriptionIds) {
      const snapshot = id >= SNAPSHOT_OFFSET;
      const rule = this.rules[(snapshot ? id - SNAPSHOT_OFFSET : id) - FIRST_SUBSCRIPTION_ID];
      if (rule !== undefined && (!snapshot || message.retain)) rules.add(rule);
    }
    return [...rules];
  }

  /** The channel and data a rule makes of a message, or why it makes none. */
  map(compiled: CompiledInboundRule, message: InboundMessage, receivedAt: number): InboundTarget {
    const captures = matchTopic(compiled.rule.topic, message.topic) ?? [];
    const channel = renderTemplate(compiled.channel, (part) => ('capture' in part ? (captures[part.capture - 1] ?? '') : ''));
    if (parseChannelName(channel) === undefined) {
      return { ok: false, reason: 'invalidChannel', detail: `topic ${JSON.stringify(message.topic)} makes channel ${JSON.stringify(channel)}, not a valid channel name (inbound[${compiled.index}])` };
    }
    const decoded = decodePayload(message.payload, compiled.rule.payload as PayloadMode);
    if (decoded === undefined) {
      return { ok: false, reason: 'undecodable', detail: `payload of ${message.payload.length} bytes on ${JSON.stringify(message.topic)} is not ${compiled.rule.payload} (inbound[${compiled.index}])` };
    }
    const data: MqttMessageData = { topic: message.topic, format: decoded.format, payload: decoded.payload, receivedAt };
    const contentType = message.contentType ?? (decoded.format === 'base64' ? 'application/octet-stream' : undefined);
    if (contentType !== undefined) data.contentType = contentType;
    if (message.retain) data.retained = true;
    const size = Buffer.byteLength(JSON.stringify(data));
    if (size > this.maxPublicationSize) {
      return { ok: false, reason: 'tooLarge', detail: `message on ${JSON.stringify(message.topic)} makes ${size} bytes of data, over maxPublicationSize ${this.maxPublicationSize}` };
    }
    return { ok: true, channel, data };
  }
}
