// The channel name grammar (docs/protocol.md, "Channels"):
//
//   channel   = [ "$" ] [ namespace ":" ] [ name ] [ "#" users ]     (255 characters at most)
//   namespace = 1*( ALPHA / DIGIT / "_" / "-" )
//   name      = 1*( ALPHA / DIGIT / "_" / "-" / "." / ":" / "/" / "=" / "@" )
//   users     = user *( "," user ) ; user = 1*( ALPHA / DIGIT / "_" / "-" / "." / "@" )
//
// At least one of name and users is present. "$" makes the channel private (a
// subscription token is required); "#users" limits it to the listed users.

export const MAX_CHANNEL_LENGTH = 255;

export interface ChannelName {
  channel: string;
  /** '' for channels without a namespace prefix. */
  namespace: string;
  isPrivate: boolean;
  /** The users allowed in a user-limited channel, or undefined. */
  allowedUsers: readonly string[] | undefined;
}

const GRAMMAR = /^(\$)?(?:([A-Za-z0-9_-]+):)?([A-Za-z0-9_\-.:/=@]*)(?:#([A-Za-z0-9_\-.@]+(?:,[A-Za-z0-9_\-.@]+)*))?$/;

/** Parses a channel name, or returns undefined when it breaks the grammar. */
export function parseChannelName(channel: unknown): ChannelName | undefined {
  if (typeof channel !== 'string' || channel.length === 0 || channel.length > MAX_CHANNEL_LENGTH) return undefined;
  const match = GRAMMAR.exec(channel);
  if (match === null) return undefined;
  const [, dollar, namespace, name, users] = match;
  if (name === '' && users === undefined) return undefined;
  return {
    channel,
    namespace: namespace ?? '',
    isPrivate: dollar !== undefined,
    allowedUsers: users === undefined ? undefined : users.split(','),
  };
}

/**
 * Whether a channel matches a pattern of the `channels` token claim: `*` stands for any
 * run of characters (including none); everything else matches itself.
 */
export function matchesChannelPattern(pattern: string, channel: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === channel;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!channel.startsWith(first) || channel.length < first.length + last.length) return false;
  if (!channel.endsWith(last)) return false;
  let position = first.length;
  const end = channel.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const found = channel.indexOf(parts[i]!, position);
    if (found < 0 || found + parts[i]!.length > end) return false;
    position = found + parts[i]!.length;
  }
  return true;
}
