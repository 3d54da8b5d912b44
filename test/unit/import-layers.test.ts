// The layers of src/, bottom first, and the rules the imports between them follow: no import
// cycles between files, imports only downward (each exception listed with why it stays), and
// the development certificate factory used only by the certificate tooling and the CLI.
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { folderOf, importCycles, importEdges, layerOf, upwardImports, type Layers } from '../helpers/import-graph.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/** Bottom first; a module may import from its own layer and the layers listed before it. */
const LAYERS: Layers = [
  'core', //          shared vocabulary: reason codes, findings, durations, path and identity patterns, SPIFFE IDs, JWKS, the LRU, key paths, listenOn, the certificate issuer interface
  'version', //       the version string, read by the CLI, the sidecar and the broker
  'signatures', //    RFC 9421 message signatures and RFC 9530 digests: pure, no proxy knowledge
  'report', //        probe and drill findings, severities, text and JUnit rendering
  'tls', //           certificate material, peer identity, certificate and upstream policies; takes its settings by shape, not from config/
  'certs', //         the development certificate factory (certs init, the demo, tests); implements core's certificate issuer
  'admin', //         the admin listener and which endpoints it may serve where; knows no config
  'probe', //         the TLS prober: one module per check family, the scheduler; handed a certificate issuer
  'drills', //        MITM drills: the drill file, scenario catalogues, impostors, runners, the in-path drills schema
  'config', //        the sidecar config: schema and loaders, validated against the vocabulary of every layer below
  'tokens', //        token verification built from a loaded config: JWKS (remote too), verifier, denylists
  'egress-tokens', // tokens on egress: the token source, its attach and retry helpers
  'checks', //       the check contract (types.ts: what a check sees and returns, how it prepares per-listener state) and one module per check
  'pipeline', //     the ordered chain of checks, its per-listener state, routing, path normalization, the decision, the denial response
  'telemetry', //     metrics, logger and the recorder of decisions the pipeline made
  'proxy', //         the inbound and egress listeners: TLS, admission, forwarding, the egress steps
  'broker', //        the token broker: its own server on the admin, config and TLS layers
  'audit', //         palisade audit: reads the logs telemetry wrote
  'demo', //          the demo echo app
  'sidecar', //       wires config, listeners, admin, probes and telemetry into one process
  'cli', //           one module per command; the composition root that hands out the certificate factory
];

/** Imports from a lower layer to a higher one that stay, each with its reason. At most two. */
const ALLOWED_UPWARD: ReadonlyArray<{ readonly from: string; readonly to: string; readonly why: string }> = [];

const edges = importEdges(SRC);

describe('the import graph of src/', () => {
  test('every folder has a place in the layer list', () => {
    for (const edge of edges) {
      expect(() => layerOf(edge.from, LAYERS)).not.toThrow();
      expect(() => layerOf(edge.to, LAYERS)).not.toThrow();
    }
  });

  test('no file-level import cycles', () => {
    expect(importCycles(edges)).toEqual([]);
  });

  test('core imports nothing from the rest of src/', () => {
    expect(edges.filter((edge) => folderOf(edge.from) === 'core' && folderOf(edge.to) !== 'core')).toEqual([]);
  });

  test('imports run downward, but for the listed exceptions', () => {
    expect(ALLOWED_UPWARD.length).toBeLessThanOrEqual(2);
    const upward = upwardImports(edges, LAYERS).map(({ from, to }) => `${from} -> ${to}`);
    expect(upward.sort()).toEqual(ALLOWED_UPWARD.map(({ from, to }) => `${from} -> ${to}`).sort());
  });

  test('only certs/ and cli/ import the development certificate factory', () => {
    const importers = edges.filter((edge) => edge.to === 'certs/factory.ts' && !['certs', 'cli'].includes(folderOf(edge.from)));
    expect(importers.map((edge) => edge.from)).toEqual([]);
  });
});
