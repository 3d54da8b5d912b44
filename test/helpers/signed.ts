// A running sidecar whose `api` route requires RFC 9421 signatures, with two registered
// Ed25519 keys (one per identity), and a client that signs its own requests over mTLS.
// The client signs with src/signatures (the vector tests pin that module to the RFC); each
// integration test then changes one thing after signing and checks the sidecar's answer.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { request, type Agent } from 'undici';
import { signMessage, parseComponentText, formatContentDigest, digestOf, type HttpRequestMessage } from '../../src/signatures/index.js';
import { afterAll, beforeAll } from 'vitest';
import { mtlsAgent, type SimpleResponse } from './client.js';
import { IDS, type TestPki } from './pki.js';
import { startScenario } from './scenario.js';
import type { RunningSidecar } from './sidecar.js';
import type { TestUpstream } from './upstream.js';

export interface SigningKey {
  readonly keyid: string;
  readonly privateKey: KeyObject;
}

export interface SignedSetup {
  readonly pki: TestPki;
  readonly upstream: TestUpstream;
  readonly sidecar: RunningSidecar;
  readonly agent: Agent;
  /** Registered for IDS.frontend (the caller). */
  readonly frontendKey: SigningKey;
  /** Registered for IDS.intruder. */
  readonly intruderKey: SigningKey;
  /** Not registered anywhere. */
  readonly strayKey: SigningKey;
  close(): Promise<void>;
}

export async function startSignedSidecar(options: { route?: Record<string, unknown>; signatures?: Record<string, unknown> } = {}): Promise<SignedSetup> {
  const keys: Record<'frontend' | 'intruder' | 'stray', SigningKey> = {} as Record<'frontend' | 'intruder' | 'stray', SigningKey>;
  const scenario = await startScenario({
    sidecar: ({ pki }) => {
      const key = (keyid: string) => {
        const pair = generateKeyPairSync('ed25519');
        pki.write(`${keyid}.pub.pem`, pair.publicKey.export({ type: 'spki', format: 'pem' }) as string);
        return { keyid, privateKey: pair.privateKey };
      };
      keys.frontend = key('frontend-key');
      keys.intruder = key('intruder-key');
      keys.stray = key('stray-key');
      return {
        routes: [{ name: 'api', methods: ['GET', 'POST', 'PUT'], path: '/api/**', allow: [IDS.frontend], signature: { ...options.route } }],
        listener: {
          signatures: {
            keys: [
              { keyid: 'frontend-key', algorithm: 'ed25519', identity: IDS.frontend, key: 'frontend-key.pub.pem' },
              { keyid: 'intruder-key', algorithm: 'ed25519', identity: IDS.intruder, key: 'intruder-key.pub.pem' },
            ],
            maxAgeMs: 60_000,
            clockSkewMs: 5_000,
            ...options.signatures,
          },
        },
      };
    },
  });
  const agent = mtlsAgent(scenario.pki, scenario.pki.frontend);
  return {
    pki: scenario.pki,
    upstream: scenario.upstream,
    sidecar: scenario.sidecar,
    agent,
    frontendKey: keys.frontend,
    intruderKey: keys.intruder,
    strayKey: keys.stray,
    close: async () => {
      await agent.close();
      await scenario.stop();
    },
  };
}

/** Start the signed sidecar before the file's tests and close it after them; `started` hands it to the file. */
export function withSignedSidecar(started: (setup: SignedSetup) => void, options: Parameters<typeof startSignedSidecar>[0] = {}): void {
  let setup: SignedSetup | undefined;
  beforeAll(async () => {
    setup = await startSignedSidecar(options);
    started(setup);
  });
  afterAll(async () => {
    await setup?.close();
  });
}

export interface SignedRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  key?: SigningKey;
  components?: string[];
  /** Seconds since the epoch; default now. */
  created?: number;
  expires?: number;
  nonce?: string;
  alg?: string;
  /** Authority to sign; default what is sent (localhost:PORT). */
  authority?: string;
}

/** Headers (Content-Digest, Signature-Input, Signature) for a request to the sidecar. */
export function signRequest(setup: SignedSetup, spec: SignedRequest): Record<string, string> {
  const method = spec.method ?? 'POST';
  const path = spec.path ?? '/api/orders';
  const headers: Record<string, string> = { ...spec.headers };
  if (spec.body !== undefined) headers['content-digest'] = formatContentDigest('sha-256', digestOf(spec.body, 'sha-256'));
  const components = spec.components ?? ['@method', '@target-uri', ...(spec.body !== undefined ? ['content-digest'] : [])];
  const message: HttpRequestMessage = {
    kind: 'request',
    method,
    target: path,
    scheme: 'https',
    authority: spec.authority ?? `localhost:${setup.sidecar.port}`,
    headers: Object.entries(headers),
  };
  const key = spec.key ?? setup.frontendKey;
  const signed = signMessage(message, {
    label: 'sig1',
    components: components.map(parseComponentText),
    algorithm: 'ed25519',
    key: key.privateKey,
    params: { created: spec.created ?? Math.floor(Date.now() / 1000), expires: spec.expires, nonce: spec.nonce, keyid: key.keyid, alg: spec.alg },
  });
  return { ...headers, 'signature-input': signed.signatureInput, signature: signed.signature };
}

/** Send a request to the sidecar with the given headers and body. */
export async function send(setup: SignedSetup, spec: { method?: string; path?: string; headers: Record<string, string>; body?: string }): Promise<SimpleResponse> {
  const response = await request(`${setup.sidecar.url}${spec.path ?? '/api/orders'}`, {
    dispatcher: setup.agent,
    method: (spec.method ?? 'POST') as 'POST',
    headers: spec.headers,
    body: spec.body,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, json: <T>() => JSON.parse(text) as T };
}
