// Which credentials a request carried, by kind only: the drill reports that a bearer token
// reached an impostor, never the token.
import type { IncomingHttpHeaders } from 'node:http';

export function credentialKinds(headers: IncomingHttpHeaders, clientCertificate: boolean): string[] {
  const kinds: string[] = [];
  const authorization = headers['authorization'];
  if (typeof authorization === 'string') {
    const scheme = authorization.trim().split(/\s+/)[0]?.toLowerCase();
    kinds.push(scheme === 'bearer' ? 'bearer token' : scheme === 'basic' ? 'basic auth' : 'authorization header');
  }
  if (headers['proxy-authorization'] !== undefined) kinds.push('proxy authorization');
  if (headers['signature'] !== undefined || headers['signature-input'] !== undefined) kinds.push('signature');
  if (headers['cookie'] !== undefined) kinds.push('cookie');
  if (headers['x-api-key'] !== undefined) kinds.push('api key');
  if (clientCertificate) kinds.push('client certificate');
  return kinds;
}

/** Credentials an impostor can reuse: everything but the client certificate (its key never leaves the client). */
export function leakedCredentials(kinds: readonly string[]): string[] {
  return kinds.filter((kind) => kind !== 'client certificate');
}
