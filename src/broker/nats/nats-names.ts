// Subjects, stream and bucket names of the NATS broker. A Volley channel name may hold
// characters a NATS subject token or KV key cannot ('.', '*', '>', spaces, non-ASCII),
// so it is escaped: letters, digits and '-' stay, every other UTF-8 byte becomes '_'
// and two hex digits. The result is one token, readable for ordinary names.

const SAFE = /^[A-Za-z0-9-]$/;
const encoder = new TextEncoder();

export function encodeToken(name: string): string {
  let token = '';
  for (const char of name) {
    if (SAFE.test(char)) token += char;
    else for (const byte of encoder.encode(char)) token += `_${byte.toString(16).padStart(2, '0')}`;
  }
  return token === '' ? '_' : token;
}

export interface NatsNames {
  /** Core subject a channel's events are fanned out on. */
  fanout(channel: string): string;
  /** JetStream subject holding a channel's history. */
  history(channel: string): string;
  /** Key of a channel in the history-meta and presence buckets. */
  channelKey(channel: string): string;
  presenceKey(channel: string, clientId: string): string;
  readonly control: string;
  readonly historyStream: string;
  readonly historySubjects: string;
  readonly metaBucket: string;
  readonly presenceBucket: string;
}

export const PREFIX = /^[A-Za-z0-9_-]+$/;

export function natsNames(prefix: string): NatsNames {
  if (!PREFIX.test(prefix)) throw new TypeError(`NATS prefix must match ${PREFIX}: ${JSON.stringify(prefix)}`);
  return {
    fanout: (channel) => `${prefix}.ch.${encodeToken(channel)}`,
    history: (channel) => `${prefix}.history.${encodeToken(channel)}`,
    channelKey: (channel) => encodeToken(channel),
    presenceKey: (channel, clientId) => `${encodeToken(channel)}.${encodeToken(clientId)}`,
    control: `${prefix}.control`,
    historyStream: `${prefix}_history`,
    historySubjects: `${prefix}.history.>`,
    metaBucket: `${prefix}_history_meta`,
    presenceBucket: `${prefix}_presence`,
  };
}
