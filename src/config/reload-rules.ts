// What a reload cannot change on a running sidecar: the sockets it listens on, and how it
// watches its files. Every other key
// is applied (server.* to new connections, policy and certificates at once). Each refusal names
// the key path and both values, so the operator knows exactly what needs a restart.
import type { Config } from './schema.js';

interface Bound {
  readonly name: string;
  readonly address: string;
  readonly port: number;
}

function listenerChanges(section: 'inbound' | 'egress', current: readonly Bound[], next: readonly Bound[]): string[] {
  const errors: string[] = [];
  if (current.length !== next.length) {
    errors.push(`${section}: ${next.length} listener(s), running ${current.length}; adding or removing a listener needs a restart`);
  }
  next.forEach((listener, index) => {
    const old = current[index];
    if (!old) return;
    for (const key of ['name', 'address', 'port'] as const) {
      if (old[key] !== listener[key]) {
        errors.push(`${section}[${index}].${key}: cannot change on reload (running ${JSON.stringify(old[key])}, new ${JSON.stringify(listener[key])}); restart the sidecar`);
      }
    }
  });
  return errors;
}

export function restartOnlyChanges(current: Config, next: Config): string[] {
  const errors = [...listenerChanges('inbound', current.inbound, next.inbound), ...listenerChanges('egress', current.egress, next.egress)];
  for (const key of ['address', 'port'] as const) {
    if (current.admin[key] !== next.admin[key]) {
      errors.push(`admin.${key}: cannot change on reload (running ${JSON.stringify(current.admin[key])}, new ${JSON.stringify(next.admin[key])}); restart the sidecar`);
    }
  }
  // The file watcher is set up once by `palisade run`, from the config it started with.
  for (const key of ['watchFiles', 'debounceMs'] as const) {
    if (current.reload[key] !== next.reload[key]) {
      errors.push(`reload.${key}: cannot change on reload (running ${JSON.stringify(current.reload[key])}, new ${JSON.stringify(next.reload[key])}); restart the sidecar`);
    }
  }
  return errors;
}
