// In-path drills: forgeries of a live request a staging sidecar has just forwarded. Each is
// sent as a copy after the genuine response is done; the copy's answer decides the outcome.
// A forgery that does not apply to a request (no body to tamper with, no token to strip) is
// not sent for it.
import type { ScenarioInfo } from './scenario.js';

export type InPathNeed = 'nothing' | 'body' | 'covered_header' | 'signature' | 'token';

export interface InPathScenario extends ScenarioInfo {
  readonly needs: InPathNeed;
}

const REFUSE = 'the app (inbound) or upstream (egress) answers 401 or 403';

export const IN_PATH_SCENARIOS = [
  { name: 'replay', forges: 'the forwarded request sent again verbatim', resistedWhen: REFUSE, needs: 'nothing' },
  { name: 'tamper_body', forges: 'the forwarded request with one byte added to its body', resistedWhen: REFUSE, needs: 'body' },
  { name: 'tamper_header', forges: 'the forwarded request with a header its signature covers changed', resistedWhen: REFUSE, needs: 'covered_header' },
  { name: 'strip_signature', forges: 'the forwarded request without Signature and Signature-Input', resistedWhen: REFUSE, needs: 'signature' },
  { name: 'strip_token', forges: 'the forwarded request without its Authorization header', resistedWhen: REFUSE, needs: 'token' },
] as const satisfies readonly InPathScenario[];

export type InPathScenarioName = (typeof IN_PATH_SCENARIOS)[number]['name'];
export const IN_PATH_SCENARIO_NAMES = IN_PATH_SCENARIOS.map((scenario) => scenario.name) as [InPathScenarioName, ...InPathScenarioName[]];
