import { ErrorCode, HandshakeError } from './errors.js';

/**
 * One offer (or response) in a Sec-WebSocket-Extensions header:
 * `permessage-deflate; client_max_window_bits; server_max_window_bits=10`.
 * A parameter without a value is `true`. Parameters are lists so that a
 * repeated parameter stays visible (RFC 7692 requires refusing it).
 */
export interface ExtensionOffer {
  name: string;
  params: Record<string, Array<string | true>>;
}

// RFC 7230 token characters.
const TOKEN_CHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]$/;
const isTokenChar = (c: string) => TOKEN_CHAR.test(c);
export const isToken = (s: string) => s.length > 0 && [...s].every(isTokenChar);

function invalid(header: string, why: string): HandshakeError {
  return new HandshakeError(ErrorCode.InvalidExtension, 400, `Invalid Sec-WebSocket-Extensions header "${header}": ${why}`);
}

/**
 * Parses a Sec-WebSocket-Extensions value by the grammar of RFC 6455 section 9.1
 * with the quoted-string values RFC 7692 allows. Throws HandshakeError (400) when
 * the header does not follow the grammar.
 */
export function parseExtensionHeader(header: string): ExtensionOffer[] {
  const offers: ExtensionOffer[] = [];
  let i = 0;
  const n = header.length;
  const skipSpace = () => { while (i < n && (header[i] === ' ' || header[i] === '\t')) i++; };
  const readToken = (): string => {
    const start = i;
    while (i < n && isTokenChar(header[i]!)) i++;
    return header.slice(start, i);
  };

  skipSpace();
  if (i === n) return offers;
  while (true) {
    skipSpace();
    const name = readToken();
    if (!name) throw invalid(header, `expected an extension name at ${i}`);
    const offer: ExtensionOffer = { name, params: Object.create(null) };
    skipSpace();
    while (i < n && header[i] === ';') {
      i++;
      skipSpace();
      const key = readToken();
      if (!key) throw invalid(header, `expected a parameter name at ${i}`);
      skipSpace();
      let value: string | true = true;
      if (header[i] === '=') {
        i++;
        skipSpace();
        if (header[i] === '"') {
          i++;
          let v = '';
          while (i < n && header[i] !== '"') {
            if (header[i] === '\\') i++;
            if (i < n) v += header[i++];
          }
          if (header[i] !== '"') throw invalid(header, 'unterminated quoted string');
          i++;
          // RFC 6455 9.1: a quoted value must still be a token once unquoted.
          if (!isToken(v)) throw invalid(header, `quoted value "${v}" is not a token`);
          value = v;
        } else {
          value = readToken();
          if (!value) throw invalid(header, `expected a parameter value at ${i}`);
        }
        skipSpace();
      }
      (offer.params[key] ??= []).push(value);
    }
    offers.push(offer);
    if (i === n) break;
    if (header[i] !== ',') throw invalid(header, `unexpected "${header[i]}" at ${i}`);
    i++;
    skipSpace();
    if (i === n) throw invalid(header, 'trailing comma');
  }
  return offers;
}

/** Formats offers back into a header value; values that are not tokens are quoted. */
export function formatExtensionHeader(offers: ExtensionOffer[]): string {
  return offers
    .map((o) => [o.name, ...Object.entries(o.params).flatMap(([k, vs]) => vs.map((v) => (v === true ? k : `${k}=${isToken(v) ? v : JSON.stringify(v)}`)))].join('; '))
    .join(', ');
}
