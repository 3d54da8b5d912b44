// Every scenario by family, for the drill file's `scenarios:` lists, the README and the report.
import { CLIENT_SCENARIOS } from './client-scenarios.js';
import type { ServerScenario } from './server-scenario.js';
import { SERVER_SIGNATURE_SCENARIOS } from './server-signature-scenarios.js';
import { SERVER_TLS_SCENARIOS } from './server-tls-scenarios.js';
import { SERVER_TOKEN_SCENARIOS } from './server-token-scenarios.js';

export const SERVER_SCENARIOS: readonly ServerScenario[] = [...SERVER_TLS_SCENARIOS, ...SERVER_TOKEN_SCENARIOS, ...SERVER_SIGNATURE_SCENARIOS];

export type ServerScenarioName = (typeof SERVER_TLS_SCENARIOS | typeof SERVER_TOKEN_SCENARIOS | typeof SERVER_SIGNATURE_SCENARIOS)[number]['name'];
export const SERVER_SCENARIO_NAMES = SERVER_SCENARIOS.map((scenario) => scenario.name) as [ServerScenarioName, ...ServerScenarioName[]];

export { CLIENT_SCENARIOS };
