// Server drills, signature family (only when the baseline is signed, RFC 9421): each sends a
// request whose signature no longer vouches for it.
import { REFUSE_HTTP, type ServerScenario } from './server-scenario.js';

export const SERVER_SIGNATURE_SCENARIOS = [
  { name: 'signature_stripped', forges: 'the request without Signature and Signature-Input', resistedWhen: REFUSE_HTTP, needs: 'signature', signature: 'strip' },
  { name: 'body_tampered', forges: 'the genuine signature and Content-Digest with a changed body', resistedWhen: REFUSE_HTTP, needs: 'signature', signature: 'tamper_body' },
  { name: 'header_tampered', forges: 'the genuine signature with a covered header field changed', resistedWhen: REFUSE_HTTP, needs: 'signature', signature: 'tamper_header' },
  { name: 'replayed', forges: 'the baseline request sent again as captured (same signature and nonce)', resistedWhen: REFUSE_HTTP, needs: 'signature', signature: 'replay' },
  { name: 'expired_signature', forges: 'a correct signature created an hour ago, past its expires', resistedWhen: REFUSE_HTTP, needs: 'signature', signature: 'expired' },
] as const satisfies readonly ServerScenario[];
