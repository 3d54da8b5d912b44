// RFC 9421 HTTP Message Signatures on routes with a `signature` rule.
//
// In order, cheapest first: the fields parse (once); the chosen signature covers what the route
// requires (content-digest whenever there is a body); `created` is within max age and skew and
// `expires` has not passed; the keyid is registered; the signature verifies with the algorithm
// fixed by the key's configuration; the key belongs to the calling identity; the body (read
// once, bounded) matches Content-Digest; and the nonce (or, without one, what was signed) was
// not seen before. Only a request that passed everything is remembered, so a forgery cannot
// burn a legitimate nonce.
//
// The replay memory is keyed on what the signer signed (keyid and signature base), never on
// the signature bytes: ECDSA signatures are malleable ((r, s) and (r, n − s) both verify), so
// a key on the bytes lets a re-encoded copy of a captured request through. High-s ECDSA can be
// refused as well (signatures.ecdsaHighS: reject), so one signed message has one accepted
// encoding; it is accepted by default because common signers (node:crypto among them) do not
// normalize s, and the replay key already makes the second encoding worthless.
//
// Returns findings and sets the `signatureVerification` fact; never writes a response,
// metric or log line.
import { createHash } from 'node:crypto';
import type { Check, RoutedRequest } from './types.js';
import type { Finding } from '../core/findings.js';
import type { ReasonCode } from '../core/reasons.js';
import { prepareSignatureRuntime, type RouteSignatureRule, type SignatureRuntime } from './signature-state.js';
import { digestsMatch, parseContentDigest, type DigestAlgorithm } from '../signatures/digest.js';
import { SignatureError } from '../signatures/errors.js';
import { hasSignatureFields, parseSignatureFields, type ParsedSignature } from '../signatures/fields.js';
import { headerLines, type HeaderLines, type HttpRequestMessage } from '../signatures/message.js';
import { isHighS } from '../signatures/algorithms.js';
import { verifyParsedSignature } from '../signatures/sign.js';
import { matchIdentity } from '../core/identity-pattern.js';

const NAME = 'signature';

function requestHasBody(request: RoutedRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function select(signatures: Map<string, ParsedSignature>, rule: RouteSignatureRule): ParsedSignature | undefined {
  if (rule.label !== undefined) return signatures.get(rule.label);
  if (rule.tag !== undefined) {
    for (const signature of signatures.values()) if (signature.params.tag === rule.tag) return signature;
    return undefined;
  }
  return signatures.values().next().value;
}

function uncovered(signature: ParsedSignature, rule: RouteSignatureRule, hasBody: boolean): string[] {
  const covered = new Set(signature.components.map((component) => component.text));
  const missing: string[] = [];
  if (rule.components) {
    for (const component of rule.components) if (!covered.has(component.text)) missing.push(component.text);
  } else {
    if (!covered.has('"@method"')) missing.push('"@method"');
    if (!covered.has('"@target-uri"') && !(covered.has('"@authority"') && covered.has('"@path"'))) missing.push('"@target-uri" (or "@authority" and "@path")');
  }
  if (hasBody && !covered.has('"content-digest"') && !missing.includes('"content-digest"')) missing.push('"content-digest"');
  return missing;
}

interface Failure {
  readonly reason: ReasonCode;
  readonly detail: string;
  readonly keyid: string;
}

type Verified = Failure | { keyid: string };

const fail = (reason: ReasonCode, detail: string, keyid = 'none'): Failure => ({ reason, detail, keyid });

// Synchronous up to the body: a request without one (most signed requests) is verified with no
// promise and no microtask; only reading a body for Content-Digest is asynchronous.
function verify(request: RoutedRequest, runtime: SignatureRuntime, rule: RouteSignatureRule, lines: HeaderLines, hasBody: boolean): Verified | Promise<Verified> {
  let signatures: Map<string, ParsedSignature>;
  try {
    signatures = parseSignatureFields(lines);
  } catch (error) {
    return fail('signature_invalid', (error as Error).message);
  }
  const signature = select(signatures, rule);
  if (!signature) {
    const wanted = rule.label !== undefined ? `label ${rule.label}` : `tag ${rule.tag ?? ''}`;
    return fail('signature_missing', `no signature with ${wanted}`);
  }
  const keyid = signature.params.keyid;
  const label = runtime.keyLabel(keyid);
  const missing = uncovered(signature, rule, hasBody);
  if (missing.length > 0) return fail('signature_components_missing', `signature ${signature.label} does not cover ${missing.join(', ')}`, label);

  const now = Date.now();
  const created = signature.params.created;
  if (created === undefined) return fail('signature_expired', `signature ${signature.label} has no created parameter`, label);
  const createdMs = created * 1000;
  if (createdMs > now + runtime.clockSkewMs) return fail('signature_expired', `created is ${Math.round((createdMs - now) / 1000)}s in the future`, label);
  if (now - createdMs > runtime.maxAgeMs + runtime.clockSkewMs) return fail('signature_expired', `created ${Math.round((now - createdMs) / 1000)}s ago; max age ${runtime.maxAgeMs / 1000}s`, label);
  const expires = signature.params.expires;
  if (expires !== undefined && expires * 1000 + runtime.clockSkewMs < now) return fail('signature_expired', `expired ${Math.round((now - expires * 1000) / 1000)}s ago`, label);

  const key = keyid === undefined ? undefined : runtime.keys.get(keyid);
  if (!key) return fail('unknown_key', keyid === undefined ? `signature ${signature.label} has no keyid` : 'keyid is not in the key registry', 'unknown');

  if (runtime.rejectHighS && isHighS(key.algorithm, signature.signature)) {
    return fail('signature_invalid', `signature ${signature.label} is ECDSA with a high s (s > n/2): only the low-s form is accepted`, label);
  }
  const message: HttpRequestMessage = { kind: 'request', method: request.method, target: request.target, scheme: 'https', headers: lines };
  let base: string;
  try {
    base = verifyParsedSignature(message, signature, key);
  } catch (error) {
    if (error instanceof SignatureError) return fail('signature_invalid', error.message, label);
    throw error;
  }
  const identity = request.peer.identity;
  if (!identity || !matchIdentity(key.identity, identity)) return fail('key_identity_mismatch', `key ${key.keyid} belongs to ${key.identity.source}`, label);

  if (!hasBody) return remember(runtime, signature, key.keyid, base, createdMs, now, label);
  const field = lines.filter(([name]) => name.toLowerCase() === 'content-digest').map(([, value]) => value);
  const parsed = parseContentDigest(field.join(', '));
  if (!parsed.ok) return fail('digest_mismatch', parsed.problem, label);
  const algorithms = [...parsed.members.keys()].filter((algorithm) => runtime.digestAlgorithms.has(algorithm));
  if (algorithms.length === 0) return fail('digest_mismatch', 'Content-Digest uses no accepted algorithm', label);
  const members = new Map(algorithms.map((algorithm) => [algorithm, parsed.members.get(algorithm) as Buffer] as [DigestAlgorithm, Buffer]));
  if (!request.body) return fail('digest_mismatch', 'the body cannot be read here', label);
  return request.body(runtime.maxBodyBytes, algorithms).then((body): Verified => {
    if (!body.ok) return fail(body.problem === 'too_large' ? 'body_too_large' : 'digest_mismatch', body.detail, label);
    const problem = digestsMatch(members, body.digests);
    if (problem) return fail('digest_mismatch', problem, label);
    return remember(runtime, signature, key.keyid, base, createdMs, now, label);
  });
}

/** The last step, for a request that passed everything else: refused if it was seen before. */
function remember(runtime: SignatureRuntime, signature: ParsedSignature, keyid: string, base: string, createdMs: number, now: number, label: string): Verified {
  const expires = signature.params.expires;
  // Remembered for as long as the signature could be accepted: max age (and skew) past created,
  // or until expires when that comes first.
  // Without a nonce, the signed content itself: keyid and signature base (which holds
  // @signature-params, so `created` too). Two identical requests signed in the same second are
  // indistinguishable from a replay; a signer that sends those needs a nonce.
  const replayKey =
    signature.params.nonce !== undefined
      ? `n\0${keyid}\0${signature.params.nonce}`
      : `b\0${createHash('sha256').update(keyid).update('\0').update(base).digest('base64')}`;
  const until = Math.min(createdMs + runtime.maxAgeMs + runtime.clockSkewMs, expires !== undefined ? expires * 1000 + runtime.clockSkewMs : Infinity);
  if (!runtime.replay.remember(replayKey, until, now)) return fail('signature_replayed', signature.params.nonce !== undefined ? 'nonce seen before' : 'the same signed content was seen before', label);
  return { keyid: label };
}

const NONE: readonly Finding[] = Object.freeze([]);

export const signatureCheck: Check<SignatureRuntime> = {
  name: NAME,
  // Only listeners with a `signatures` section run it; it reads the body (for Content-Digest).
  prepare: ({ listener, loaded }, previous) => prepareSignatureRuntime(listener, loaded.signatures.inbound.get(listener.name), previous),
  // Synchronous when the route has no signature rule, and for a signed request without a body.
  run(request, runtime): readonly Finding[] | Promise<readonly Finding[]> {
    const rule = runtime?.routes.get(request.route.name);
    if (!runtime || !rule) return NONE;
    return checkSignature(request, runtime, rule);
  },
};

function checkSignature(request: RoutedRequest, runtime: SignatureRuntime, rule: RouteSignatureRule): readonly Finding[] | Promise<readonly Finding[]> {
  const lines = headerLines(request.rawHeaders ?? []);
  const signed = hasSignatureFields(lines);
  if (!signed && !rule.required) return NONE;
  const hasBody = requestHasBody(request);
  const outcome: Verified | Promise<Verified> = signed
    ? verify(request, runtime, rule, lines, hasBody)
    : { reason: 'signature_missing', detail: 'no Signature-Input / Signature', keyid: 'none' };
  return outcome instanceof Promise ? outcome.then((settled) => conclude(request, rule, hasBody, settled)) : conclude(request, rule, hasBody, outcome);
}

/** The fact for the metric, and the finding of a failure. */
function conclude(request: RoutedRequest, rule: RouteSignatureRule, hasBody: boolean, outcome: Verified): readonly Finding[] {
  if (!('reason' in outcome)) {
    request.facts.set('signatureVerification', { keyid: outcome.keyid, result: 'success', reason: 'none' });
    return NONE;
  }
  request.facts.set('signatureVerification', { keyid: outcome.keyid, result: 'failure', reason: outcome.reason });
  const finding: Finding = { check: NAME, reason: outcome.reason, severity: 'deny', detail: outcome.detail };
  if (outcome.reason !== 'signature_missing') return [finding];
  return [{ ...finding, acceptSignature: hasBody ? rule.acceptSignature.withBody : rule.acceptSignature.bodiless }];
}
