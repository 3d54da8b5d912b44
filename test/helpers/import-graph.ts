// The import graph of src/, read from the source text: which file imports which, by relative
// specifier (static `from '…'`, side-effect `import '…'` and dynamic `import('…')`). Type-only
// imports count too: they are still a dependency a reader has to follow.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export interface ImportEdge {
  readonly from: string; // path relative to src/, e.g. "proxy/inbound-listener.ts"
  readonly to: string;
}

const SPECIFIER = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"](\.[^'"]+)['"]/gm;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

export function importEdges(srcDir: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of sourceFiles(srcDir)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(SPECIFIER)) {
      const target = resolve(dirname(file), (match[1] as string).replace(/\.js$/, '.ts'));
      edges.push({ from: relative(srcDir, file), to: relative(srcDir, target) });
    }
  }
  return edges;
}

/** The folder a file belongs to ("proxy"), or the file's own name for files at the top of src/ ("sidecar"). */
export function folderOf(path: string): string {
  const parts = path.split('/');
  return parts.length > 1 ? (parts[0] as string) : (parts[0] as string).replace(/\.ts$/, '');
}

/** Every file-level import cycle, each once, as the list of files around it. */
export function importCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const edge of edges) next.set(edge.from, [...(next.get(edge.from) ?? []), edge.to]);
  // Tarjan's strongly connected components: any component larger than one file is a cycle.
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    indices.set(node, index);
    low.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const to of next.get(node) ?? []) {
      if (!indices.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node) as number, low.get(to) as number));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node) as number, indices.get(to) as number));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop() as string;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (next.get(node) ?? []).includes(node)) cycles.push(component.sort());
    }
  };
  for (const node of new Set(edges.flatMap((edge) => [edge.from, edge.to]))) if (!indices.has(node)) visit(node);
  return cycles;
}

/**
 * The layers, bottom first: each a folder, or several folders that form one layer (they may
 * import each other; the file-level cycle check still holds between them).
 */
export type Layers = readonly (string | readonly string[])[];

/** The position of a file's folder in `layers`; throws for a folder the list forgot. */
export function layerOf(path: string, layers: Layers): number {
  const folder = folderOf(path);
  const position = layers.findIndex((layer) => (typeof layer === 'string' ? layer === folder : layer.includes(folder)));
  if (position < 0) throw new Error(`src/${path}: its folder ${folder} has no place in the layer list`);
  return position;
}

/** Imports from a layer to a higher one in `layers` (bottom first). */
export function upwardImports(edges: readonly ImportEdge[], layers: Layers): ImportEdge[] {
  return edges.filter((edge) => layerOf(edge.from, layers) < layerOf(edge.to, layers));
}
