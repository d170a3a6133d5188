import { isUtf8 } from 'node:buffer';

/** Whole-buffer UTF-8 check (native, fast). */
export const isValidUtf8: (data: Uint8Array) => boolean = isUtf8;

// Incremental validator for fragmented text messages: it fails as soon as a byte
// sequence can no longer become valid UTF-8, instead of waiting for the last fragment.
// State is the number of continuation bytes still expected plus the allowed range
// of the next byte (which narrows after E0, ED, F0 and F4 — RFC 3629 section 4).
export class Utf8Validator {
  private need = 0;
  private lower = 0x80;
  private upper = 0xbf;

  /** Feeds bytes; returns false as soon as the stream is known to be invalid. */
  write(bytes: Uint8Array): boolean {
    let need = this.need;
    let lower = this.lower;
    let upper = this.upper;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i]!;
      if (need === 0) {
        if (b < 0x80) continue;
        if (b >= 0xc2 && b <= 0xdf) need = 1;
        else if (b >= 0xe0 && b <= 0xef) {
          need = 2;
          if (b === 0xe0) lower = 0xa0;
          else if (b === 0xed) upper = 0x9f;
        } else if (b >= 0xf0 && b <= 0xf4) {
          need = 3;
          if (b === 0xf0) lower = 0x90;
          else if (b === 0xf4) upper = 0x8f;
        } else return this.fail();
        continue;
      }
      if (b < lower || b > upper) return this.fail();
      lower = 0x80;
      upper = 0xbf;
      need--;
    }
    this.need = need;
    this.lower = lower;
    this.upper = upper;
    return true;
  }

  /** True when the bytes fed so far end on a character boundary. */
  get complete(): boolean {
    return this.need === 0;
  }

  reset(): void {
    this.need = 0;
    this.lower = 0x80;
    this.upper = 0xbf;
  }

  private fail(): false {
    this.reset();
    return false;
  }
}
