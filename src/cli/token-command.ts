// `volley token`: mints a development JWT (HS256), a connection token or with --channel a
// subscription token, with the secret `volley serve` uses, so a token made here is
// accepted there. The kind goes into the claim the hub checks (TOKEN_KIND_CLAIM). Details go to stderr; the token alone is the
// last line of stdout, for `TOKEN=$(volley token --sub alice)`.

import { parseChannelName } from '../hub/channel-name.js';
import { TOKEN_KIND_CLAIM, TokenKind } from '../wire/index.js';
import { parseCommandArgs, UsageError } from './args.js';
import { ExitCode } from './exit-codes.js';
import { readConfigFile, readEnvironment, checkFlags } from './serve-config.js';

export const TOKEN_HELP = `Usage: volley token --sub USER [--channels PATTERNS | --channel CHANNEL] [--ttl DURATION] [options]

Prints a connection token (JWT, HS256) for volley serve; with --channel, a subscription
token for one private channel instead. The "kind" claim says which ("connection" or
"subscription"); the server refuses a token of the wrong kind (error 118).

Options:
  --sub USER           the user id (the token's "sub" claim); required
  --channels PATTERNS  comma-separated channel patterns the user may join, e.g. "chat:*,dm:#alice"
                       (default: no "channels" claim, so every channel the server allows)
  --channel CHANNEL    make a subscription token for this private channel, e.g. '$team:plans'
                       (not with --channels)
  --ttl DURATION       lifetime: 90s, 15m, 2h, 7d or plain seconds (default 1h)
  --info JSON          public info shown to others in presence, e.g. '{"name":"Alice"}'
  --secret S           the secret (32+ chars); else $VOLLEY_SECRET, else the config file's "secret"
  -c, --config FILE    read the secret from this config file ($VOLLEY_CONFIG)
  -h, --help           show this help
`;

const SPECS = {
  sub: { type: 'string' },
  channels: { type: 'string' },
  channel: { type: 'string' },
  ttl: { type: 'string' },
  info: { type: 'string' },
  secret: { type: 'string' },
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
} as const;

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const DEFAULT_TTL_SECONDS = 3600;

/** Parses 90s / 15m / 2h / 7d / 3600 into seconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * UNITS[match[2] || 's']! : NaN;
  if (!(seconds > 0)) throw new UsageError(`${flag} must be a duration like 90s, 15m, 2h or 7d, got "${text}"`, 'token');
  return seconds;
}

/** Where the command writes: the process's streams unless a caller (a test) passes its own. */
export interface TokenOutput {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export async function tokenCommand(argv: string[], output: TokenOutput = process): Promise<number> {
  const { flags, positionals } = parseCommandArgs('token', argv, SPECS);
  if (flags.help) {
    output.stdout.write(TOKEN_HELP);
    return ExitCode.Ok;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`, 'token');
  const sub = flags.sub as string | undefined;
  if (!sub) throw new UsageError('--sub USER is required', 'token');
  const ttl = flags.ttl === undefined ? DEFAULT_TTL_SECONDS : parseDuration(flags.ttl as string, '--ttl');
  const channels = (flags.channels as string | undefined)?.split(',').map((c) => c.trim()).filter((c) => c.length > 0);
  const channel = flags.channel as string | undefined;
  if (channel !== undefined && channels !== undefined) throw new UsageError('--channel (a subscription token) and --channels (a connection token) exclude each other', 'token');
  if (channel !== undefined && parseChannelName(channel) === undefined) throw new UsageError(`--channel "${channel}" is not a valid channel name`, 'token');
  let info: unknown;
  if (flags.info !== undefined) {
    try {
      info = JSON.parse(flags.info as string);
    } catch {
      throw new UsageError('--info must be JSON, e.g. \'{"name":"Alice"}\'', 'token');
    }
  }
  const secret = resolveSecret(flags);

  const { SignJWT } = await import('jose');
  const kind = channel === undefined ? TokenKind.connection : TokenKind.subscription;
  const claims: Record<string, unknown> = { [TOKEN_KIND_CLAIM]: kind };
  if (channel !== undefined) claims.channel = channel;
  if (channels !== undefined) claims.channels = channels;
  if (info !== undefined) claims.info = info;
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + ttl)
    .sign(new TextEncoder().encode(secret));
  const scope = channel !== undefined ? ` (subscription to ${channel})` : channels ? ` (channels ${channels.join(', ')})` : '';
  output.stderr.write(`${kind === TokenKind.subscription ? 'Subscription token' : 'Token'} for "${sub}"${scope}, expires ${new Date((now + ttl) * 1000).toISOString()}\n`);
  output.stdout.write(`${token}\n`);
  return ExitCode.Ok;
}

/** --secret, else $VOLLEY_SECRET, else the config file's secret: the order volley serve uses. */
function resolveSecret(flags: Record<string, unknown>): string {
  const file = (flags.config as string | undefined) ?? (process.env.VOLLEY_CONFIG || undefined);
  const fromFlag = checkFlags({ secret: flags.secret }).secret;
  const secret = fromFlag ?? readEnvironment(process.env).secret ?? (file === undefined ? undefined : readConfigFile(file).secret);
  if (secret === undefined) throw new UsageError('no secret: pass --secret, set VOLLEY_SECRET, or give a config file with "secret"', 'token');
  return secret;
}
