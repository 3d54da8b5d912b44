// The route table: compiled once per config load, matched first-wins in config order.
import type { InboundConfig, Mode } from '../config/schema.js';
import { compileIdentityPattern } from '../core/identity-pattern.js';
import { compilePathPattern, matchPathPattern } from '../core/path-pattern.js';
import type { CompiledRoute, ListenerPolicy } from '../checks/types.js';

export function compileListenerPolicy(listener: InboundConfig, defaultMode: Mode): ListenerPolicy {
  const listenerMode = listener.mode ?? defaultMode;
  return {
    listener: listener.name,
    mode: listenerMode,
    strictPaths: listener.paths.strict,
    pathParameters: listener.paths.parameters,
    routes: listener.routes.map(
      (route): CompiledRoute => ({
        name: route.name,
        methods: route.methods.includes('*') ? null : new Set(route.methods),
        pattern: compilePathPattern(route.path),
        mode: route.mode ?? listenerMode,
        allow: route.allow.map(compileIdentityPattern),
      }),
    ),
  };
}

export function findRoute(policy: ListenerPolicy, method: string, segments: readonly string[]): CompiledRoute | undefined {
  for (const route of policy.routes) {
    if (route.methods !== null && !route.methods.has(method)) continue;
    if (matchPathPattern(route.pattern, segments)) return route;
  }
  return undefined;
}
