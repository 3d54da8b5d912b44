// Where in a document a problem is, as an operator reads it: `inbound[0].routes[2].allow`.
// Every config error names its key path this way (the sidecar config, a drill file, the broker's
// config and grants), so one format is shared by every loader.

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}
