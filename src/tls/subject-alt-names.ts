// Parse Node's X509Certificate.subjectAltName string.
//
// Node writes entries as `TYPE:value` joined by ", ", and since 17.3.1 it writes any value
// that holds a comma, quote, backslash or control character as a JSON string literal, so a
// crafted URI cannot smuggle a second entry into the list. We honour that quoting exactly.

export interface SubjectAltNames {
  readonly uris: readonly string[];
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
}

export function parseSubjectAltNames(text: string | undefined): SubjectAltNames {
  const uris: string[] = [];
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  if (!text) return { uris, dnsNames, ipAddresses };
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon === -1) break;
    const type = text.slice(i, colon);
    let value: string;
    let next: number;
    if (text[colon + 1] === '"') {
      // A JSON string literal: find its closing quote, skipping escaped characters.
      let end = colon + 2;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      value = JSON.parse(text.slice(colon + 1, end + 1)) as string;
      next = end + 1;
    } else {
      const comma = text.indexOf(', ', colon + 1);
      next = comma === -1 ? text.length : comma;
      value = text.slice(colon + 1, next);
    }
    if (type === 'URI') uris.push(value);
    else if (type === 'DNS') dnsNames.push(value);
    else if (type === 'IP Address') ipAddresses.push(value);
    i = text.startsWith(', ', next) ? next + 2 : next;
  }
  return { uris, dnsNames, ipAddresses };
}

/** The subject's CN from Node's multi-line `subject` string ("CN=a\nO=b"), if any. */
export function commonName(subject: string | undefined): string | undefined {
  if (!subject) return undefined;
  for (const line of subject.split('\n')) {
    if (line.startsWith('CN=')) return line.slice(3);
  }
  return undefined;
}
