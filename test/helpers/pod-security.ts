// The Kubernetes Pod Security Standards, "restricted" profile (which includes "baseline"), as the
// Pod Security admission controller applies them at `latest` (Kubernetes 1.29+), encoded rule by
// rule from https://kubernetes.io/docs/concepts/security/pod-security-standards/. Returns one
// message per violation; an empty list means a namespace labelled
// pod-security.kubernetes.io/enforce=restricted admits the pod.

const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

export function restrictedViolations(pod: Record<string, any>): string[] {
  const problems: string[] = [];
  const podContext = pod['securityContext'] ?? {};
  const containers: Array<{ kind: string; c: Record<string, any> }> = [
    ...(pod['initContainers'] ?? []).map((c: any) => ({ kind: 'initContainer', c })),
    ...(pod['containers'] ?? []).map((c: any) => ({ kind: 'container', c })),
    ...(pod['ephemeralContainers'] ?? []).map((c: any) => ({ kind: 'ephemeralContainer', c })),
  ];
  const name = (kind: string, c: any) => `${kind} ${c.name}`;

  // Baseline: host namespaces, host ports, hostPath, privileged, capabilities, /proc, AppArmor, SELinux, seccomp, sysctls.
  for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) if (pod[key] === true) problems.push(`${key} must not be true`);
  if (podContext.windowsOptions?.hostProcess === true) problems.push('securityContext.windowsOptions.hostProcess must not be true');
  for (const sysctl of podContext.sysctls ?? []) if (!SAFE_SYSCTLS.has(sysctl.name)) problems.push(`sysctl ${sysctl.name} is not in the safe set`);
  checkSeLinux(podContext.seLinuxOptions, 'pod', problems);
  checkAppArmor(podContext.appArmorProfile, 'pod', problems);

  // Restricted: volume types.
  for (const volume of pod['volumes'] ?? []) {
    const types = Object.keys(volume).filter((key) => key !== 'name');
    for (const type of types) if (!RESTRICTED_VOLUME_TYPES.has(type)) problems.push(`volume ${volume.name}: type ${type} is not allowed (hostPath and the like)`);
  }
  // Restricted: runAsNonRoot on the pod or on every container; never false; runAsUser never 0.
  if (podContext.runAsUser === 0) problems.push('pod securityContext.runAsUser must not be 0');
  // Restricted: seccomp RuntimeDefault or Localhost on the pod or on every container.
  const seccompOk = (profile: any) => profile?.type === 'RuntimeDefault' || profile?.type === 'Localhost';
  if (podContext.seccompProfile && !seccompOk(podContext.seccompProfile)) problems.push(`pod seccompProfile.type ${podContext.seccompProfile.type} is not allowed`);

  for (const { kind, c } of containers) {
    const sc = c.securityContext ?? {};
    const who = name(kind, c);
    if (sc.privileged === true) problems.push(`${who}: privileged must not be true`);
    if (sc.windowsOptions?.hostProcess === true) problems.push(`${who}: hostProcess must not be true`);
    for (const port of c.ports ?? []) if (port.hostPort !== undefined && port.hostPort !== 0) problems.push(`${who}: hostPort ${port.hostPort} is not allowed`);
    if (sc.procMount !== undefined && sc.procMount !== 'Default') problems.push(`${who}: procMount must be Default`);
    checkSeLinux(sc.seLinuxOptions, who, problems);
    checkAppArmor(sc.appArmorProfile, who, problems);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${who}: allowPrivilegeEscalation must be false`);
    const runAsNonRoot = sc.runAsNonRoot ?? podContext.runAsNonRoot;
    if (sc.runAsNonRoot === false) problems.push(`${who}: runAsNonRoot must not be false`);
    if (runAsNonRoot !== true) problems.push(`${who}: runAsNonRoot must be true (on the container or the pod)`);
    if (sc.runAsUser === 0) problems.push(`${who}: runAsUser must not be 0`);
    const seccomp = sc.seccompProfile ?? podContext.seccompProfile;
    if (!seccompOk(seccomp)) problems.push(`${who}: seccompProfile must be RuntimeDefault or Localhost (on the container or the pod)`);
    const drop: string[] = sc.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) problems.push(`${who}: capabilities.drop must include ALL`);
    for (const added of sc.capabilities?.add ?? []) if (added !== 'NET_BIND_SERVICE') problems.push(`${who}: capability ${added} may not be added (only NET_BIND_SERVICE)`);
  }
  return problems;
}

function checkSeLinux(options: any, who: string, problems: string[]): void {
  if (!options) return;
  if (!SELINUX_TYPES.has(options.type ?? '')) problems.push(`${who}: seLinuxOptions.type ${options.type} is not allowed`);
  if (options.user) problems.push(`${who}: seLinuxOptions.user must not be set`);
  if (options.role) problems.push(`${who}: seLinuxOptions.role must not be set`);
}

function checkAppArmor(profile: any, who: string, problems: string[]): void {
  if (profile && profile.type !== 'RuntimeDefault' && profile.type !== 'Localhost') problems.push(`${who}: appArmorProfile.type ${profile.type} is not allowed`);
}
