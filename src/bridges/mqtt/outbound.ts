// Outbound mapping: the MQTT publish a Volley publication makes, if any. The first rule whose
// channel pattern matches decides; data that would make an invalid topic or payload is the
// publisher's error (bad_request), never a topic with wildcards or extra levels.

import { HubError } from './host.js';
import type { OutboundRule } from './options.js';
import { encodePayload } from './payload.js';
import { channelPatternMatcher, parseTemplate, renderTemplate, topicLevelProblem, type TemplatePart } from './topics.js';

export interface OutboundPublish {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
}

interface CompiledOutboundRule {
  index: number;
  rule: OutboundRule;
  match: (channel: string) => string[] | undefined;
  topic: readonly TemplatePart[];
}

export class OutboundMapper {
  private readonly rules: readonly CompiledOutboundRule[];

  constructor(rules: readonly OutboundRule[]) {
    this.rules = rules.map((rule, index) => ({ index, rule, match: channelPatternMatcher(rule.channel), topic: parseTemplate(rule.topic, true) }));
  }

  /** The publish for this channel and data; undefined when no rule maps the channel. Throws HubError('badRequest') for bad data. */
  map(channel: string, data: unknown): OutboundPublish | undefined {
    for (const compiled of this.rules) {
      const captures = compiled.match(channel);
      if (captures === undefined) continue;
      const topic = renderTemplate(compiled.topic, (part) => {
        // Channel names may hold '/', and data anything: each value must stay one topic level.
        const path = 'dataPath' in part ? part.dataPath : [];
        const value = 'capture' in part
          ? captures[part.capture - 1]
          : path.reduce<unknown>((at, key) => (typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined), data);
        const problem = topicLevelProblem(value);
        const what = 'capture' in part ? `the channel's part for {${part.capture}}` : `data.${path.join('.')}`;
        if (problem !== undefined) throw new HubError('badRequest', `${what} ${problem}: it must be one MQTT topic level`);
        return String(value);
      });
      const payload = encodePayload(data, compiled.rule.payload);
      if (typeof payload === 'string') throw new HubError('badRequest', payload);
      return { topic, payload, qos: compiled.rule.qos, retain: compiled.rule.retain };
    }
    return undefined;
  }
}
