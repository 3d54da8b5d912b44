// The shipped Kubernetes manifests (deploy/kubernetes), loaded and checked against the real
// Kubernetes API types, offline:
//  - kubernetes-models (and @kubernetes-models/prometheus-operator for the PodMonitor): JSON
//    schemas generated from the Kubernetes OpenAPI spec and the operator's CRDs; `validate()`
//    checks types, required fields and enums.
//  - The same packages' TypeScript declarations, through the TypeScript compiler: every manifest
//    becomes an object literal typed as its kind, so a field the API does not have is an excess
//    property error (what `kubectl apply --validate=strict` refuses).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const KUBERNETES_DIR = join(ROOT, 'deploy/kubernetes');

export interface Manifest {
  readonly file: string;
  readonly index: number;
  readonly object: Record<string, unknown> & { apiVersion: string; kind: string; metadata?: { name?: string } };
}

/** apiVersion/kind → the module and interface that describe it. */
const KINDS: Record<string, { module: string; type: string }> = {
  'v1/ConfigMap': { module: 'kubernetes-models/v1/ConfigMap', type: 'IConfigMap' },
  'v1/Service': { module: 'kubernetes-models/v1/Service', type: 'IService' },
  'v1/ServiceAccount': { module: 'kubernetes-models/v1/ServiceAccount', type: 'IServiceAccount' },
  'apps/v1/Deployment': { module: 'kubernetes-models/apps/v1/Deployment', type: 'IDeployment' },
  'batch/v1/Job': { module: 'kubernetes-models/batch/v1/Job', type: 'IJob' },
  'batch/v1/CronJob': { module: 'kubernetes-models/batch/v1/CronJob', type: 'ICronJob' },
  'networking.k8s.io/v1/NetworkPolicy': { module: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy', type: 'INetworkPolicy' },
  'monitoring.coreos.com/v1/PodMonitor': { module: '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor', type: 'IPodMonitor' },
};

export const kindKey = (object: { apiVersion: string; kind: string }) => `${object.apiVersion}/${object.kind}`;
export const isKnownKind = (object: { apiVersion: string; kind: string }) => kindKey(object) in KINDS;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(path);
    return entry.name.endsWith('.yaml') ? [path] : [];
  });
}

/** Every Kubernetes object under deploy/kubernetes (kustomization files are not objects). */
export function loadManifests(): Manifest[] {
  return yamlFiles(KUBERNETES_DIR)
    .filter((file) => !file.endsWith('kustomization.yaml'))
    .flatMap((file) =>
      parseAllDocuments(readFileSync(file, 'utf8')).map((document, index) => {
        if (document.errors.length > 0) throw new Error(`${relative(ROOT, file)}: ${document.errors[0]!.message}`);
        return { file: relative(ROOT, file), index, object: document.toJS() as Manifest['object'] };
      }),
    );
}

export function kustomizations(): Array<{ file: string; dir: string; object: Record<string, unknown> }> {
  return yamlFiles(KUBERNETES_DIR)
    .filter((file) => file.endsWith('kustomization.yaml'))
    .map((file) => ({ file: relative(ROOT, file), dir: join(file, '..'), object: parseAllDocuments(readFileSync(file, 'utf8'))[0]!.toJS() as Record<string, unknown> }));
}

/** kubernetes-models' schema validation; the error message lists every problem, or undefined. */
export async function schemaProblems(manifest: Manifest): Promise<string | undefined> {
  const kind = KINDS[kindKey(manifest.object)];
  if (!kind) return `no schema for ${kindKey(manifest.object)}`;
  const module = (await import(kind.module)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = module[manifest.object.kind];
  if (!Model) return `${kind.module} has no ${manifest.object.kind}`;
  try {
    new Model(manifest.object).validate();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Type-check every manifest as an object literal of its kind's interface. Returns one message per
 * TypeScript error, naming the manifest; unknown fields show up as "Object literal may only
 * specify known properties, and 'x' does not exist in type ...".
 */
export function typeProblems(manifests: readonly Manifest[]): string[] {
  const file = join(ROOT, '__manifest_types_check__.ts');
  const lines: string[] = [];
  const used = new Set<string>();
  manifests.forEach((manifest, i) => {
    const kind = KINDS[kindKey(manifest.object)];
    if (!kind) return;
    if (!used.has(kind.module)) {
      used.add(kind.module);
      lines.unshift(`import type { ${kind.type} } from '${kind.module}';`);
    }
    lines.push(`// ${manifest.file}#${manifest.index}`, `export const m${i}: ${kind.type} = ${JSON.stringify(manifest.object, null, 2)};`);
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, onError, shouldCreate) =>
    name === file ? ts.createSourceFile(name, source, languageVersion, true) : getSourceFile(name, languageVersion, onError, shouldCreate);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  const sourceFile = program.getSourceFile(file)!;
  return ts.getPreEmitDiagnostics(program, sourceFile).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const line = diagnostic.start === undefined ? 0 : sourceFile.getLineAndCharacterOfPosition(diagnostic.start).line;
    // The nearest "// file#index" comment above the error names the manifest.
    const text = source.split('\n');
    let origin = '?';
    for (let l = line; l >= 0; l -= 1) {
      if (text[l]!.startsWith('// ')) {
        origin = text[l]!.slice(3);
        break;
      }
    }
    return `${origin}: ${message}`;
  });
}

/** Every pod spec in a manifest (Deployment, Job, CronJob), with where it sits. */
export function podSpecs(manifest: Manifest): Array<{ where: string; spec: Record<string, unknown> }> {
  const o = manifest.object as Record<string, any>;
  const where = `${manifest.file} ${manifest.object.kind}/${manifest.object.metadata?.name}`;
  if (o.kind === 'Deployment' || o.kind === 'Job') return [{ where, spec: o.spec.template.spec }];
  if (o.kind === 'CronJob') return [{ where, spec: o.spec.jobTemplate.spec.template.spec }];
  return [];
}
