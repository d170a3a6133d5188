// What a line typed into an interactive `volley connect` asks for.

/** Largest ping payload and close reason the protocol allows (RFC 6455 section 5.5). */
const MAX_PING_BYTES = 125;
const MAX_REASON_BYTES = 123;

export type InputAction =
  | { kind: 'none' }
  | { kind: 'text'; data: string }
  | { kind: 'binary'; data: Buffer }
  | { kind: 'ping'; data: Buffer }
  | { kind: 'close'; code: number; reason: string }
  | { kind: 'quit' }
  | { kind: 'help' }
  | { kind: 'invalid'; message: string };

export const COMMANDS_HELP = `Commands:
  /binary DATA            send a binary message: DATA read as hex if it is only hex pairs
                          (spaces allowed, e.g. "68 69"), otherwise its UTF-8 bytes
  /ping [DATA]            send a ping with up to 125 bytes of DATA
  /close [CODE] [REASON]  close with CODE (1000 or 3000-4999, default 1000) and REASON
  /quit (or /exit)        close with 1000 and exit (also Ctrl-C or Ctrl-D)
  /help                   show this list
  //TEXT                  send "/TEXT" as a text message
Any other line is sent as a text message.`;

export function parseInputLine(line: string): InputAction {
  if (line === '') return { kind: 'none' };
  if (line.startsWith('//')) return { kind: 'text', data: line.slice(1) };
  if (!line.startsWith('/')) return { kind: 'text', data: line };

  const match = /^\/(\S+)\s?(.*)$/s.exec(line);
  const name = match?.[1] ?? '';
  const rest = match?.[2] ?? '';
  switch (name) {
    case 'binary':
      return { kind: 'binary', data: parseBinaryArgument(rest) };
    case 'ping': {
      const data = Buffer.from(rest);
      if (data.length > MAX_PING_BYTES) return { kind: 'invalid', message: `a ping carries at most ${MAX_PING_BYTES} bytes, got ${data.length}` };
      return { kind: 'ping', data };
    }
    case 'close':
      return parseClose(rest.trim());
    case 'quit':
    case 'exit':
      return { kind: 'quit' };
    case 'help':
      return { kind: 'help' };
    default:
      return { kind: 'invalid', message: `unknown command /${name} (type /help for the list; //TEXT sends "/TEXT")` };
  }
}

/** Hex pairs (whitespace between them allowed) become those bytes; anything else its UTF-8. */
export function parseBinaryArgument(text: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (compact.length > 0 && compact.length % 2 === 0 && /^[0-9a-fA-F]+$/.test(compact)) return Buffer.from(compact, 'hex');
  return Buffer.from(text);
}

function parseClose(args: string): InputAction {
  if (args === '') return { kind: 'close', code: 1000, reason: '' };
  const match = /^(\S+)\s*(.*)$/s.exec(args)!;
  const codeText = match[1]!;
  const reason = match[2]!;
  const code = /^\d+$/.test(codeText) ? Number(codeText) : Number.NaN;
  if (!(code === 1000 || (code >= 3000 && code <= 4999))) {
    return { kind: 'invalid', message: `a client may close with 1000 or 3000-4999, got "${codeText}"` };
  }
  const reasonBytes = Buffer.byteLength(reason);
  if (reasonBytes > MAX_REASON_BYTES) return { kind: 'invalid', message: `a close reason has at most ${MAX_REASON_BYTES} bytes, got ${reasonBytes}` };
  return { kind: 'close', code, reason };
}
