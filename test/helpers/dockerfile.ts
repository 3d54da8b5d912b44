// The Dockerfile as data, parsed with dockerfile-ast (the parser behind dockerfile-utils' linter):
// stages, with each instruction's keyword, flags and argument text (line continuations joined,
// build args substituted from their defaults), so tests can check it and replay its steps.
import { readFileSync } from 'node:fs';
import { DockerfileParser } from 'dockerfile-ast';

export interface Step {
  readonly keyword: string;
  /** The text after the keyword, continuations joined, flags removed, ${ARG}s substituted. */
  readonly text: string;
  /** `--from=...` of a COPY. */
  readonly from?: string;
}

export interface Stage {
  readonly image: string;
  readonly name?: string;
  readonly steps: Step[];
}

export function readDockerfile(path: string): { text: string; stages: Stage[] } {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const dockerfile = DockerfileParser.parse(text);
  const args = new Map<string, string>();
  const substitute = (value: string) => value.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a, b) => args.get(a ?? b) ?? whole);
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    const range = instruction.getRange();
    const raw = lines
      .slice(range.start.line, range.end.line + 1)
      .join('\n')
      .replace(/\\\n/g, ' ')
      .replace(/^\s*\S+\s*/, '');
    const keyword = instruction.getKeyword();
    const from = /^--from=(\S+)\s+/.exec(raw)?.[1];
    const body = substitute(raw.replace(/^(?:--\w+=\S+\s+)+/, '').trim());
    if (keyword === 'ARG') {
      const [name, value] = body.split('=', 2) as [string, string | undefined];
      if (value !== undefined) args.set(name, value);
      continue;
    }
    if (keyword === 'FROM') {
      const [image, as, name] = body.split(/\s+/);
      stages.push({ image: image!, ...(as?.toUpperCase() === 'AS' && name ? { name } : {}), steps: [] });
      continue;
    }
    stages[stages.length - 1]?.steps.push({ keyword, text: body, ...(from ? { from } : {}) });
  }
  return { text, stages };
}

/** `key="value" key2=value2` pairs of a LABEL or ENV step. */
export function pairs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of text.matchAll(/([\w.-]+)=(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)) out[match[1]!] = match[2] ?? match[3]!;
  return out;
}
