import type { ExtensionOffer } from '../protocol/extension-header.js';
import { formatExtensionHeader } from '../protocol/extension-header.js';
import { PerMessageDeflate, type PerMessageDeflateOptions } from '../protocol/permessage-deflate.js';

/** The perMessageDeflate option: false (off), true (defaults) or options. */
export type CompressionOption = boolean | PerMessageDeflateOptions;

/** A negotiated permessage-deflate, as a connection uses it (inflater, deflater, shared frames). */
export type NegotiatedDeflate = PerMessageDeflate;

function optionsOf(option: CompressionOption): PerMessageDeflateOptions {
  return option === true ? {} : (option as PerMessageDeflateOptions);
}

/** Server side: picks an acceptable permessage-deflate offer, if compression is enabled. */
export function serverCompression(option: CompressionOption, maxPayload: number) {
  if (option === false) return null;
  const options = optionsOf(option);
  return {
    negotiate(offers: ExtensionOffer[]): { header: string; deflate: NegotiatedDeflate } | null {
      const mine = offers.filter((o) => o.name === PerMessageDeflate.extensionName);
      if (mine.length === 0) return null;
      const deflate = new PerMessageDeflate('server', options, maxPayload);
      const response = deflate.accept(mine);
      if (response === null) return null;
      return { header: formatExtensionHeader([response]), deflate };
    },
  };
}

/** Client side: the offer to send and the check of the server's answer. */
export function clientCompression(option: CompressionOption, maxPayload: number) {
  if (option === false) return null;
  const deflate = new PerMessageDeflate('client', optionsOf(option), maxPayload);
  return {
    name: PerMessageDeflate.extensionName,
    offerHeader: formatExtensionHeader([deflate.offer()]),
    /** Throws a HandshakeError when the response breaks RFC 7692. */
    accept(response: ExtensionOffer): NegotiatedDeflate {
      deflate.acceptResponse(response);
      return deflate;
    },
  };
}
