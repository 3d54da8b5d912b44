// The probe's inputs and its result. The result (ProbeReport) is the JSON schema of
// `palisade probe --format json` and of the sidecar's GET /probes: change it additively.
import type { X509Certificate } from 'node:crypto';
import type { CertificateIssuer } from '../core/certificate-issuer.js';
import type { Finding } from '../report/findings.js';
import type { AttemptResult, Endpoint } from './connect.js';
import type { ServerFlight } from './raw-hello.js';

export const CHECKS = ['protocols', 'ciphers', 'certificate', 'mtls', 'http'] as const;
export type CheckName = (typeof CHECKS)[number];

export interface ProbeTarget extends Endpoint {
  /** As given: `host:port`, `[::1]:8443`. */
  readonly label: string;
  /** The name (or IP) the certificate must be valid for. */
  readonly nameToMatch: string;
  /** Trust bundle PEM for the server's chain; undefined: Node's bundled roots. */
  readonly ca?: string;
  /** The baseline client certificate and key, PEM. */
  readonly cert?: string;
  readonly key?: string;
  /** `spiffe://...` or `dns:NAME`. */
  readonly expectIdentity?: string;
  readonly maxLifetimeMs?: number;
}

export interface ProbeSettings {
  /** Per connection attempt. */
  readonly timeoutMs: number;
  /** The whole probe; attempts that would start later are skipped and the report says so. */
  readonly deadlineMs: number;
  /** Connections at once. The sidecar uses 1. */
  readonly concurrency: number;
  readonly checks: ReadonlySet<CheckName>;
  /** Aborting stops new attempts (the sidecar shutting down); attempts in flight end within their timeout. */
  readonly signal?: AbortSignal;
  /** Makes the mtls check's throwaway client certificates; without one that check is skipped and says why. */
  readonly certificates?: CertificateIssuer;
}

export interface CheckOutcome {
  readonly findings: Finding[];
  /** What the check saw, for the report; check-specific. */
  readonly facts: Record<string, unknown>;
  readonly skipped?: string;
  readonly durationMs: number;
}

export interface CertificateSummary {
  readonly subject: string;
  readonly issuer: string;
  readonly subjectAltNames: string[];
  readonly spiffeIds: string[];
  readonly notBefore: string;
  readonly notAfter: string;
  readonly sha256: string;
  readonly key: string;
  readonly signatureAlgorithm: string;
}

export interface ProbeReport {
  readonly schema: 'palisade.probe.v1';
  readonly target: string;
  readonly servername: string | null;
  readonly startedAt: string;
  readonly durationMs: number;
  /** False when no TCP connection or no TLS answer came in time: nothing else was checked. */
  readonly reachable: boolean;
  readonly error?: string;
  /** True when the deadline cut some attempts: results are partial. */
  readonly incomplete: boolean;
  readonly negotiated?: { readonly version?: string; readonly cipher?: string; readonly group?: string; readonly alpn?: string | null };
  readonly certificate?: CertificateSummary;
  readonly checks: Partial<Record<CheckName, CheckOutcome>>;
  /** Every finding of every check, worst first. */
  readonly findings: Finding[];
}

/** What the checks share: the first handshake and the server's first TLS 1.2 flight. */
export interface ProbeContext {
  readonly target: ProbeTarget;
  readonly settings: ProbeSettings;
  readonly budget: import('./budget.js').Budget;
  /** The first full attempt: every version and suite this OpenSSL offers, ALPN h2/http1.1, the baseline certificate if any. */
  readonly first: AttemptResult;
  /** Versions the server accepted (filled by the protocols check, or measured on demand). */
  versions?: ReadonlyMap<string, boolean>;
  /** The raw TLS 1.2 (or lower) flight, when the server speaks TLS 1.2 or lower. */
  flight?: ServerFlight;
  /** Leaf first, in the order the server sent them when the raw flight saw them. */
  chain?: X509Certificate[];
  chainAsSent?: boolean;
  /** Sessions from mTLS attempts that the server refused after a completed handshake. */
  readonly refusedSessions: Array<{ readonly what: string; readonly session: Buffer }>;
}
