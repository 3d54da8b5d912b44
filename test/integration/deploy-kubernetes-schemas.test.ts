// Every manifest under deploy/kubernetes is valid against the real Kubernetes API, offline:
// kubernetes-models' schemas (types, required fields, enums) and their TypeScript declarations
// (an unknown field is an error, as with `kubectl apply --validate=strict`). The kustomizations
// name only files that exist and images the manifests use; the embedded palisade.yaml passes the
// config schema; the sidecar is a native sidecar with probes on the right endpoints and a drain
// that fits the grace period.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { ConfigSchema } from '../../src/config/schema.js';
import { isKnownKind, kindKey, kustomizations, loadManifests, schemaProblems, typeProblems } from '../helpers/manifests.js';

const manifests = loadManifests();
const find = (kind: string, name: string) => manifests.find((m) => m.object.kind === kind && m.object.metadata?.name === name)?.object as Record<string, any>;

test('every manifest is a kind we have a schema for', () => {
  expect(manifests.length).toBeGreaterThanOrEqual(8);
  for (const manifest of manifests) expect(isKnownKind(manifest.object), `${manifest.file}: ${kindKey(manifest.object)}`).toBe(true);
});

test('every manifest passes the Kubernetes schema (kubernetes-models validate)', async () => {
  for (const manifest of manifests) expect(await schemaProblems(manifest), `${manifest.file}#${manifest.index}`).toBeUndefined();
});

test('no manifest has a field the API does not know (typed against the Kubernetes declarations)', () => {
  expect(typeProblems(manifests)).toEqual([]);
});

test('the checks refuse an unknown field, a wrong type and a bad enum', async () => {
  const deployment = manifests.find((m) => m.object.kind === 'Deployment')!;
  const broken = structuredClone(deployment.object) as Record<string, any>;
  broken['spec'].template.spec.initContainers[0].securityContext.runAsNonroot = true; // typo
  broken['spec'].template.spec.containers[0].ports = [{ containerPort: '8080' }];
  broken['spec'].template.spec.containers[0].imagePullPolicy = 'Sometimes';
  const typeErrors = typeProblems([{ ...deployment, object: broken as typeof deployment.object }]);
  expect(typeErrors.join('\n')).toMatch(/runAsNonroot.*does not exist in type 'ISecurityContext'/);
  const schemaError = await schemaProblems({ ...deployment, object: broken as typeof deployment.object });
  expect(schemaError).toMatch(/containerPort/);
  expect(schemaError).toMatch(/imagePullPolicy/);
});

test('kustomizations list only existing files and known fields; the overlay retags an image the base uses', () => {
  const known = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'images', 'replicas', 'labels', 'patches', 'configMapGenerator']);
  const all = kustomizations();
  expect(all.map((k) => k.file).sort()).toEqual(['deploy/kubernetes/base/kustomization.yaml', 'deploy/kubernetes/overlays/staging/kustomization.yaml']);
  const images = new Set(manifests.flatMap((m) => JSON.stringify(m.object).match(/"image":"[^"]+"/g) ?? []).map((s) => s.slice(9, -1).split(':')[0]));
  for (const { file, dir, object } of all) {
    expect(object['apiVersion'], file).toBe('kustomize.config.k8s.io/v1beta1');
    expect(object['kind'], file).toBe('Kustomization');
    for (const key of Object.keys(object)) expect(known, `${file}: ${key}`).toContain(key);
    for (const resource of object['resources'] as string[]) expect(existsSync(join(dir, resource)), `${file}: ${resource}`).toBe(true);
    for (const image of (object['images'] as Array<{ name: string }> | undefined) ?? []) expect(images, `${file}: ${image.name}`).toContain(image.name);
    for (const replica of (object['replicas'] as Array<{ name: string }> | undefined) ?? []) expect(find('Deployment', replica.name), `${file}: ${replica.name}`).toBeDefined();
  }
});

test('the ConfigMap holds a palisade.yaml that passes the config schema; admin binds the pod IP, /identities does not', () => {
  const configMap = find('ConfigMap', 'orders-palisade');
  const parsed = ConfigSchema.safeParse(parse(configMap['data']['palisade.yaml']));
  expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
  const config = parsed.data!;
  expect(config.admin.address).toBe('0.0.0.0');
  expect(config.admin.inspect).toBeUndefined(); // sensitive endpoints stay on 127.0.0.1:9902
});

test('palisade is a native sidecar with startup, readiness and liveness probes on the right endpoints', () => {
  const pod = find('Deployment', 'orders')['spec'].template.spec;
  const sidecar = pod.initContainers.find((c: any) => c.name === 'palisade');
  expect(sidecar.restartPolicy).toBe('Always');
  expect(pod.containers.map((c: any) => c.name)).toEqual(['app']);
  expect(sidecar.startupProbe.httpGet).toEqual({ path: '/readyz', port: 'admin' });
  expect(sidecar.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'admin' });
  expect(sidecar.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'admin' });
  expect(sidecar.resources.requests).toBeDefined();
  expect(sidecar.resources.limits.memory).toBeDefined();
  // The app listens on loopback only: nothing but the sidecar reaches it.
  expect(pod.containers[0].args.join(' ')).toContain('127.0.0.1:8080');
  // Certificates from the cert-manager SPIFFE CSI driver, mounted where the config reads them.
  expect(pod.volumes.find((v: any) => v.name === 'spiffe').csi.driver).toBe('spiffe.csi.cert-manager.io');
});

test('the drain fits in the grace period and the image user matches the pods', () => {
  const pod = find('Deployment', 'orders')['spec'].template.spec;
  const config = ConfigSchema.parse(parse(find('ConfigMap', 'orders-palisade')['data']['palisade.yaml']));
  // The app stops first (native sidecar order), then the sidecar drains: both inside the grace period.
  expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThanOrEqual(config.drainTimeoutMs + 20_000);
  const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
  const user = dockerfile.match(/^USER\s+(\d+):(\d+)\s*$/m);
  expect(user, 'Dockerfile USER is numeric uid:gid').not.toBeNull();
  expect(pod.securityContext.runAsUser).toBe(Number(user![1]));
  expect(pod.securityContext.runAsGroup).toBe(Number(user![2]));
  expect(dockerfile).toMatch(/^STOPSIGNAL SIGTERM$/m);
});

test('the PodMonitor scrapes the admin port by name, the Service exposes only mTLS', () => {
  const monitor = find('PodMonitor', 'orders-palisade');
  expect(monitor['spec'].podMetricsEndpoints).toEqual([{ port: 'admin', path: '/metrics', interval: '30s' }]);
  expect(find('Service', 'orders')['spec'].ports.map((p: any) => p.targetPort)).toEqual(['mtls']);
});
