// How `volley connect` shows what happens on the connection, in four styles:
//   interactive  every event on its own line with the time and a direction ("<" in, ">" out)
//   plain        only the received messages, one per line (for pipes and scripts)
//   quiet        nothing but problems (--echo: a peer may send more than anyone reads)
//   json         one JSON object per event (messages both ways, pings, pongs, open, close)

export type OutputStyle = 'interactive' | 'plain' | 'quiet' | 'json';
export type Direction = 'in' | 'out';

/** Where a finished line goes: 'data' is stdout, 'note' is for people (stderr unless interactive). */
export type LineSink = (line: string, kind: 'data' | 'note') => void;

export interface ConnectOutput {
  opened(url: string, protocol: string): void;
  message(dir: Direction, data: Buffer, isBinary: boolean): void;
  control(dir: Direction, type: 'ping' | 'pong', data: Buffer): void;
  closed(code: number, reason: string, clean: boolean): void;
  /** Something went wrong: always shown. */
  problem(text: string): void;
  /** Informational text, shown only in the interactive style. */
  info(text: string): void;
}

/** Binary data shown as hex is cut after this many bytes in the human styles. */
const HEX_PREVIEW_BYTES = 64;

export function createOutput(style: OutputStyle, sink: LineSink, now: () => Date = () => new Date()): ConnectOutput {
  if (style === 'json') {
    const emit = (event: Record<string, unknown>) => sink(JSON.stringify(event), 'data');
    return {
      opened: (url, protocol) => emit({ type: 'open', url, protocol }),
      message: (dir, data, isBinary) =>
        emit(isBinary ? { dir, type: 'binary', data: data.toString('base64') } : { dir, type: 'text', data: data.toString('utf8') }),
      control: (dir, type, data) => emit({ dir, type, data: data.toString('base64') }),
      closed: (code, reason, clean) => emit({ type: 'close', code, reason, clean }),
      problem: (text) => sink(`volley connect: ${text}`, 'note'),
      info: () => {},
    };
  }

  if (style === 'plain' || style === 'quiet') {
    return {
      opened: () => {},
      message: (dir, data, isBinary) => {
        if (dir === 'in' && style === 'plain') sink(isBinary ? describeBinary(data) : data.toString('utf8'), 'data');
      },
      control: () => {},
      closed: (code, reason, clean) => {
        if (!clean) sink(`volley connect: connection closed abnormally (${describeClose(code, reason)})`, 'note');
      },
      problem: (text) => sink(`volley connect: ${text}`, 'note'),
      info: () => {},
    };
  }

  const line = (mark: string, text: string) => sink(`${clock(now())} ${mark} ${text}`, 'data');
  return {
    opened: (url, protocol) => line('*', `connected to ${url}${protocol ? ` (subprotocol ${protocol})` : ''}; /help lists the commands`),
    message: (dir, data, isBinary) => line(arrow(dir), isBinary ? describeBinary(data) : data.toString('utf8')),
    control: (dir, type, data) => line(arrow(dir), `[${type}]${data.length > 0 ? ` ${data.toString('utf8')}` : ''}`),
    closed: (code, reason, clean) => line('*', `${clean ? 'closed' : 'closed abnormally'}: ${describeClose(code, reason)}`),
    problem: (text) => line('!', text),
    info: (text) => line('*', text),
  };
}

function arrow(dir: Direction): string {
  return dir === 'in' ? '<' : '>';
}

/** "[binary 3 bytes] 68 69 0a", the hex cut short for long messages. */
export function describeBinary(data: Buffer): string {
  const shown = data.subarray(0, HEX_PREVIEW_BYTES).toString('hex').replace(/(..)(?!$)/g, '$1 ');
  const more = data.length > HEX_PREVIEW_BYTES ? ' …' : '';
  return `[binary ${data.length} byte${data.length === 1 ? '' : 's'}]${shown ? ` ${shown}` : ''}${more}`;
}

export function describeClose(code: number, reason: string): string {
  return reason ? `code ${code}, reason "${reason}"` : `code ${code}`;
}

/** Local time as HH:MM:SS.mmm. */
export function clock(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
