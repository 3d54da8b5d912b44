// Every pod the shipped manifests create (the Deployment with its native sidecar, the staging
// probe CronJob and drill Job) meets the "restricted" Pod Security Standard, checked by a test
// that encodes the standard's rules (test/helpers/pod-security.ts). The checker itself is shown
// to catch each rule on a pod that breaks it.
import { expect, test } from 'vitest';
import { loadManifests, podSpecs } from '../helpers/manifests.js';
import { restrictedViolations } from '../helpers/pod-security.js';

const pods = loadManifests().flatMap(podSpecs);

test('the manifests create the pods we expect', () => {
  expect(pods.map((pod) => pod.where.split(' ')[1])).toEqual(expect.arrayContaining(['Deployment/orders', 'CronJob/orders-palisade-probe', 'Job/orders-palisade-drill']));
});

test.each(pods.map((pod) => [pod.where, pod.spec] as const))('%s is admitted under pod-security.kubernetes.io/enforce=restricted', (_where, spec) => {
  expect(restrictedViolations(spec)).toEqual([]);
});

test('every container, native sidecar included, has a numeric non-root user and a read-only root filesystem', () => {
  for (const pod of pods) {
    for (const container of [...((pod.spec['initContainers'] as unknown[]) ?? []), ...(pod.spec['containers'] as unknown[])] as Array<Record<string, any>>) {
      const context = container['securityContext'];
      expect(context.runAsUser, `${pod.where} ${container['name']}`).toBeTypeOf('number');
      expect(context.runAsUser).toBeGreaterThan(0);
      expect(context.readOnlyRootFilesystem, `${pod.where} ${container['name']}`).toBe(true);
    }
  }
});

const good = () => ({
  securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [{ name: 'c', image: 'i', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
  volumes: [{ name: 'v', configMap: { name: 'x' } }],
});

test('the checker accepts a minimal restricted pod and flags each rule broken on its own', () => {
  expect(restrictedViolations(good())).toEqual([]);
  const broken: Array<[string, (pod: any) => void, RegExp]> = [
    ['hostNetwork', (p) => (p.hostNetwork = true), /hostNetwork/],
    ['hostPID', (p) => (p.hostPID = true), /hostPID/],
    ['hostPath volume', (p) => p.volumes.push({ name: 'h', hostPath: { path: '/' } }), /type hostPath/],
    ['privileged', (p) => (p.containers[0].securityContext.privileged = true), /privileged/],
    ['privilege escalation unset', (p) => delete p.containers[0].securityContext.allowPrivilegeEscalation, /allowPrivilegeEscalation/],
    ['runAsNonRoot missing', (p) => delete p.securityContext.runAsNonRoot, /runAsNonRoot must be true/],
    ['runAsNonRoot false on a container', (p) => (p.containers[0].securityContext.runAsNonRoot = false), /runAsNonRoot must not be false/],
    ['runAsUser 0', (p) => (p.containers[0].securityContext.runAsUser = 0), /runAsUser must not be 0/],
    ['seccomp missing', (p) => delete p.securityContext.seccompProfile, /seccompProfile/],
    ['seccomp Unconfined', (p) => (p.containers[0].securityContext.seccompProfile = { type: 'Unconfined' }), /seccompProfile/],
    ['capabilities not dropped', (p) => (p.containers[0].securityContext.capabilities = { drop: ['NET_RAW'] }), /drop must include ALL/],
    ['capability added', (p) => (p.containers[0].securityContext.capabilities.add = ['NET_ADMIN']), /NET_ADMIN may not be added/],
    ['hostPort', (p) => (p.containers[0].ports = [{ containerPort: 80, hostPort: 80 }]), /hostPort/],
    ['unsafe sysctl', (p) => (p.securityContext.sysctls = [{ name: 'kernel.msgmax', value: '1' }]), /sysctl/],
    ['procMount', (p) => (p.containers[0].securityContext.procMount = 'Unmasked'), /procMount/],
    ['SELinux user', (p) => (p.securityContext.seLinuxOptions = { user: 'system_u' }), /seLinuxOptions.user/],
    ['AppArmor unconfined', (p) => (p.containers[0].securityContext.appArmorProfile = { type: 'Unconfined' }), /appArmorProfile/],
    ['an init container (native sidecar) breaking a rule', (p) => p.initContainers = [{ name: 's', image: 'i', restartPolicy: 'Always', securityContext: { capabilities: { drop: ['ALL'] } } }], /initContainer s: allowPrivilegeEscalation/],
  ];
  for (const [what, breakIt, expected] of broken) {
    const pod = good();
    breakIt(pod);
    const problems = restrictedViolations(pod);
    expect(problems.length, what).toBeGreaterThan(0);
    expect(problems.join('\n'), what).toMatch(expected);
  }
});
