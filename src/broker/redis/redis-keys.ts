// Key and pub/sub channel names of the Redis broker. The channel name sits in a hash tag
// ({…}) so that the keys one script touches live in one slot on a Redis Cluster too.

export interface RedisKeys {
  pubsub(channel: string): string;
  stream(channel: string): string;
  meta(channel: string): string;
  presenceExpiry(channel: string): string;
  presenceInfo(channel: string): string;
  readonly control: string;
  /** Pattern of every key of this prefix, for cleanup in tests and tools. */
  readonly all: string;
}

export function redisKeys(prefix: string): RedisKeys {
  return {
    pubsub: (channel) => `${prefix}:ch:${channel}`,
    stream: (channel) => `${prefix}:stream:{${channel}}`,
    meta: (channel) => `${prefix}:meta:{${channel}}`,
    presenceExpiry: (channel) => `${prefix}:presence:{${channel}}:expiry`,
    presenceInfo: (channel) => `${prefix}:presence:{${channel}}:info`,
    control: `${prefix}:control`,
    all: `${prefix}:*`,
  };
}
