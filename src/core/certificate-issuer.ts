// Making certificates while Palisade runs: the mTLS probe's throwaway client certificates (a CA
// made on the spot, an expired leaf, a leaf without clientAuth) and a drill's impostors. The code
// that runs a probe or a drill is handed an issuer by whoever starts it (the `probe` and `drill`
// commands, and `palisade run` for the sidecar's periodic probes) instead of importing one, so the
// proxy's modules never depend on the development certificate factory (certs/factory.ts), which
// is what implements this interface.

export type IssuedKeyType = 'ec-p256' | 'ec-p384' | 'rsa-1024' | 'rsa-2048' | 'rsa-3072' | 'rsa-4096' | 'ed25519';
export type IssuedHash = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';

/** A certificate and its private key, as PEM. An issuer's own result may carry more (the parsed certificate, the key). */
export interface IssuedCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface LeafRequest {
  commonName?: string;
  /** URI SANs (a SPIFFE ID), DNS names and IP addresses. */
  uris?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  keyType?: IssuedKeyType;
  hash?: IssuedHash;
  notBefore?: Date;
  notAfter?: Date;
  /** Default both serverAuth and clientAuth; an empty list omits the extension. */
  extendedKeyUsages?: string[];
}

// Methods, not function properties: a CA handle goes back to the issuer that made or loaded it,
// which may need more of it than the PEM (its key); method parameters let an issuer say so.
export interface CertificateIssuer {
  /** A CA of its own, trusted by nobody. */
  createCa(options: { commonName?: string }): Promise<IssuedCertificate>;
  /** A leaf signed by `issuer`, a CA this same issuer made (createCa) or loaded (loadIssuer). */
  createLeaf(options: LeafRequest & { issuer: IssuedCertificate; isCa?: boolean }): Promise<IssuedCertificate>;
  /** A leaf signed by its own key, not a CA. */
  createSelfSignedLeaf(options: LeafRequest): Promise<IssuedCertificate>;
  /** An existing CA (PEM certificate and PKCS#8 key) to issue leaves from; rejects a key it cannot sign with. */
  loadIssuer(certPem: string, keyPem: string): Promise<IssuedCertificate>;
}
