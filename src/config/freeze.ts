// A validated config is frozen, all the way down, before anything is built from it (fastify's
// model: validate once, freeze). The states a reload builds then share it safely: no builder,
// check or request can change a value another listener, or the next reload, reads.
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  return Object.freeze(value);
}
