// Shared CLI plumbing: exit codes and the usage error type.
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

export class UsageError extends Error {}

export const USAGE = `palisade: a security-probing sidecar proxy for machine-to-machine traffic

Usage:
  palisade run -c palisade.yaml          start the sidecar (inbound listeners, admin listener)
  palisade validate -c palisade.yaml     check a config without starting; exit 1 on error
  palisade demo [--port N] [--admin-port N]
                                         dev CA, echo app, sidecar, demo traffic, curl commands
  palisade certs init --out DIR --identity [NAME=]spiffe://… [--identity …]
                      [--dns NAME] [--ip ADDR] [--key-type ec-p256] [--validity 30d]
                                         a dev CA and leaf certificates with SPIFFE URI SANs
  palisade sign --key FILE --alg ALG --keyid ID --url https://HOST/PATH [-X METHOD]
                [-H 'Name: value'] [-d BODY | --data-file F] [--component C] [--label sig1]
                [--tag T] [--expires 60s] [--no-nonce] [--digest sha-256] [--format headers|curl]
                                         sign a request (RFC 9421 + Content-Digest); print the headers or a curl command
  palisade --version

Exit codes: 0 ok, 1 findings or invalid input, 2 usage error.
`;
