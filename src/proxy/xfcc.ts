// x-forwarded-client-cert in Envoy's format: `By=…;Hash=…;Subject="…";URI=…;DNS=…`.
//
// Values that contain `,` `;` `=` or `"` are double-quoted with inner quotes and backslashes
// escaped, as Envoy does, so the app's parser cannot be fooled by a crafted SAN.
import type { PeerInfo } from '../tls/peer-identity.js';

function quote(value: string): string {
  // Control characters cannot appear in an HTTP header value; drop them rather than fail the request.
  // Non-ASCII (a UTF8String subject, say) becomes RFC 4514 `\XX` escapes of its UTF-8 bytes, as
  // OpenSSL's RFC 2253 printing does: undici refuses a header value above U+00FF (the request
  // failed as a 502), and Latin-1 bytes on the wire would reach the app as mojibake.
  const clean = value
    .replace(/[\x00-\x1f\x7f]/g, '')
    .replace(/[^\x00-\x7f]+/gu, (text) => [...Buffer.from(text, 'utf8')].map((byte) => `\\${byte.toString(16).toUpperCase()}`).join(''));
  return /[,;="\\]/.test(clean) ? `"${clean.replace(/["\\]/g, '\\$&')}"` : clean;
}

export function formatXfcc(peer: PeerInfo, by: string | undefined): string {
  const parts: string[] = [];
  if (by) parts.push(`By=${quote(by)}`);
  parts.push(`Hash=${peer.sha256}`);
  parts.push(`Subject=${quote(peer.subject.split('\n').reverse().join(','))}`);
  const uri = peer.sans.uris[0];
  if (uri) parts.push(`URI=${quote(uri)}`);
  for (const dns of peer.sans.dnsNames) parts.push(`DNS=${quote(dns)}`);
  return parts.join(';');
}
