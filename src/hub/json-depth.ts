// How deeply a JSON text nests arrays and objects, measured on the text before anything
// recurses over the parsed value (JSON.stringify of ~10,000 levels overflows the stack).

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** True when valid JSON `text` nests arrays/objects more than `maxDepth` levels deep. */
export function jsonDepthExceeds(text: string, maxDepth: number): boolean {
  // Each level takes two characters, so short texts (nearly every command) skip the scan.
  if (text.length <= maxDepth * 2) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}
