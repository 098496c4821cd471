/**
 * The Pod part of `flotctl describe`, written line for line as kubectl's pod describer (and its
 * container and pod-template helpers, which Deployments and ReplicaSets share), so both tools
 * print the same text.
 */
import type { Container, ContainerState, ContainerStatus, Pod, PodTemplateSpec, Probe, Toleration } from '../../api/types.js';
import { describeTime, type DescribeWriter } from './describe-writer.js';
import { humanDuration } from '../../api/human-duration.js';

/** qosClass is the pod's QoS class as Kubernetes computes it from requests and limits. */
export function qosClass(pod: { spec: { containers: Container[] } }): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const cs = pod.spec.containers ?? [];
  const any = cs.some((c) => Object.keys(c.resources?.requests ?? {}).length || Object.keys(c.resources?.limits ?? {}).length);
  if (!any) return 'BestEffort';
  const guaranteed = cs.every((c) => {
    const lim = c.resources?.limits ?? {};
    const req = { ...lim, ...(c.resources?.requests ?? {}) };
    return ['cpu', 'memory'].every((k) => lim[k] !== undefined && req[k] === lim[k]);
  });
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** probeText prints a probe as kubectl's DescribeProbe: `http-get http://:8080/ delay=0s timeout=1s period=10s #success=1 #failure=3`. */
export function probeText(p: Probe): string {
  const attrs = `delay=${p.initialDelaySeconds ?? 0}s timeout=${p.timeoutSeconds ?? 1}s period=${p.periodSeconds ?? 10}s #success=${p.successThreshold ?? 1} #failure=${p.failureThreshold ?? 3}`;
  if (p.exec) return `exec [${p.exec.command.join(' ')}] ${attrs}`;
  if (p.httpGet) return `http-get ${(p.httpGet.scheme ?? 'HTTP').toLowerCase()}://${p.httpGet.host ?? ''}:${p.httpGet.port}${p.httpGet.path ?? ''} ${attrs}`;
  if (p.tcpSocket) return `tcp-socket ${p.tcpSocket.host ?? ''}:${p.tcpSocket.port} ${attrs}`;
  return `unknown ${attrs}`;
}

function describeState(w: DescribeWriter, name: string, s: ContainerState | undefined): void {
  if (s?.running) {
    w.write(2, `${name}:\tRunning\n`);
    w.write(3, `Started:\t${describeTime(s.running.startedAt)}\n`);
  } else if (s?.waiting) {
    w.write(2, `${name}:\tWaiting\n`);
    if (s.waiting.reason) w.write(3, `Reason:\t${s.waiting.reason}\n`);
  } else if (s?.terminated) {
    const t = s.terminated;
    w.write(2, `${name}:\tTerminated\n`);
    if (t.reason) w.write(3, `Reason:\t${t.reason}\n`);
    if (t.message) w.write(3, `Message:\t${t.message}\n`);
    w.write(3, `Exit Code:\t${t.exitCode}\n`);
    if (t.signal) w.write(3, `Signal:\t${t.signal}\n`);
    w.write(3, `Started:\t${describeTime(t.startedAt)}\n`);
    w.write(3, `Finished:\t${describeTime(t.finishedAt)}\n`);
  } else {
    w.write(2, `${name}:\tWaiting\n`);
  }
}

/** describeContainers writes kubectl's Containers section; statuses are absent for a pod template. */
export function describeContainers(w: DescribeWriter, containers: Container[], statuses: ContainerStatus[] | undefined, space = ''): void {
  w.write(0, `${space}Containers:\n`);
  for (const c of containers) {
    const st = statuses?.find((s) => s.name === c.name);
    w.write(1, `${space ? ' ' : ''}${c.name}:\n`);
    if (st) w.write(2, `Container ID:\t${st.containerID ?? ''}\n`);
    w.write(2, `Image:\t${c.image}\n`);
    if (st) w.write(2, `Image ID:\t${st.imageID ?? ''}\n`);
    const ports = (c.ports ?? []).map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`).join(', ') || '<none>';
    const hostPorts = (c.ports ?? []).map((p) => `${p.hostPort ?? 0}/${p.protocol ?? 'TCP'}`).join(', ') || '<none>';
    w.write(2, `${ports.includes(',') ? 'Ports' : 'Port'}:\t${ports}\n`);
    w.write(2, `${hostPorts.includes(',') ? 'Host Ports' : 'Host Port'}:\t${hostPorts}\n`);
    for (const [title, argv] of [['Command', c.command], ['Args', c.args]] as const) {
      if (!argv?.length) continue;
      w.write(2, `${title}:\n`);
      for (const a of argv) for (const s of a.split('\n')) w.write(3, `${s}\n`);
    }
    if (st) {
      describeState(w, 'State', st.state);
      if (st.lastState?.terminated) describeState(w, 'Last State', st.lastState);
      w.write(2, `Ready:\t${st.ready ? 'True' : 'False'}\n`);
      w.write(2, `Restart Count:\t${st.restartCount ?? 0}\n`);
    }
    for (const [title, list] of [['Limits', c.resources?.limits], ['Requests', c.resources?.requests]] as const) {
      if (!list || Object.keys(list).length === 0) continue;
      w.write(2, `${title}:\n`);
      for (const k of Object.keys(list).sort()) w.write(3, `${k}:\t${list[k]}\n`);
    }
    if (c.livenessProbe) w.write(2, `Liveness:\t${probeText(c.livenessProbe)}\n`);
    if (c.readinessProbe) w.write(2, `Readiness:\t${probeText(c.readinessProbe)}\n`);
    if (c.startupProbe) w.write(2, `Startup:\t${probeText(c.startupProbe)}\n`);
    w.write(2, `Environment:${c.env?.length ? '' : '\t<none>'}\n`);
    for (const e of c.env ?? []) {
      (e.value ?? '').split('\n').forEach((s, i) => w.write(3, i === 0 ? `${e.name}:\t${s}\n` : `\t${s}\n`));
    }
    w.write(2, 'Mounts:\t<none>\n');
  }
}

/** describeTolerations writes kubectl's Tolerations lines (sorted by key). */
export function describeTolerations(w: DescribeWriter, tolerations: Toleration[] | undefined, indent = ''): void {
  w.write(0, `${indent}Tolerations:\t`);
  const list = [...(tolerations ?? [])].sort((a, b) => ((a.key ?? '') < (b.key ?? '') ? -1 : (a.key ?? '') > (b.key ?? '') ? 1 : 0));
  if (list.length === 0) {
    w.write(0, '<none>\n');
    return;
  }
  list.forEach((t, i) => {
    let s = i ? `${indent}\t` : '';
    s += t.key ?? '';
    if (t.value) s += `=${t.value}`;
    if (t.effect) s += `:${t.effect}`;
    if (t.operator === 'Exists' && !t.value) s += t.key || t.effect ? ' op=Exists' : 'op=Exists';
    if (t.tolerationSeconds !== undefined) s += ` for ${t.tolerationSeconds}s`;
    w.write(0, `${s}\n`);
  });
}

/** describePodTemplate writes kubectl's Pod Template section of a Deployment or ReplicaSet. */
export function describePodTemplate(w: DescribeWriter, t: PodTemplateSpec | undefined): void {
  w.write(0, 'Pod Template:\n');
  if (!t) {
    w.write(0, '  <unset>');
    return;
  }
  w.labels('Labels', t.metadata?.labels, '  ');
  if (Object.keys(t.metadata?.annotations ?? {}).length) w.annotations('Annotations', t.metadata?.annotations, '  ');
  describeContainers(w, t.spec?.containers ?? [], undefined, '  ');
  w.write(0, '  Volumes:\t<none>\n');
  w.labels('Node-Selectors', t.spec?.nodeSelector, '  ');
  describeTolerations(w, t.spec?.tolerations, '  ');
}

/** describePod writes everything kubectl shows of a pod, events excepted. */
export function describePod(w: DescribeWriter, pod: Pod, now: number): void {
  const m = pod.metadata;
  w.write(0, `Name:\t${m.name ?? ''}\n`);
  w.write(0, `Namespace:\t${m.namespace ?? ''}\n`);
  if (pod.spec.priority !== undefined) w.write(0, `Priority:\t${pod.spec.priority}\n`);
  w.write(0, `Node:\t${pod.spec.nodeName ? `${pod.spec.nodeName}/${pod.status?.hostIP ?? ''}` : '<none>'}\n`);
  if (pod.status?.startTime) w.write(0, `Start Time:\t${describeTime(pod.status.startTime)}\n`);
  w.labels('Labels', m.labels);
  w.annotations('Annotations', m.annotations);
  if (m.deletionTimestamp) {
    w.write(0, `Status:\tTerminating (lasts ${humanDuration(now - Date.parse(m.deletionTimestamp))})\n`);
    w.write(0, `Termination Grace Period:\t${m.deletionGracePeriodSeconds ?? 0}s\n`);
  } else {
    w.write(0, `Status:\t${pod.status?.phase ?? ''}\n`);
  }
  if (pod.status?.reason) w.write(0, `Reason:\t${pod.status.reason}\n`);
  if (pod.status?.message) w.write(0, `Message:\t${pod.status.message}\n`);
  w.write(0, `IP:\t${pod.status?.podIP ?? ''}\n`);
  const ips = pod.status?.podIPs ?? [];
  if (ips.length === 0) {
    w.write(0, 'IPs:\t<none>\n');
  } else {
    w.write(0, 'IPs:\n');
    for (const ip of ips) w.write(1, `IP:\t${ip.ip}\n`);
  }
  const owner = m.ownerReferences?.find((o) => o.controller);
  if (owner) w.write(0, `Controlled By:\t${owner.kind}/${owner.name}\n`);
  describeContainers(w, pod.spec.containers ?? [], pod.status?.containerStatuses ?? []);
  const conds = pod.status?.conditions ?? [];
  if (conds.length) {
    w.write(0, 'Conditions:\n  Type\tStatus\n');
    for (const c of conds) w.write(1, `${c.type} \t${c.status} \n`);
  }
  w.write(0, 'Volumes:\t<none>\n');
  w.write(0, `QoS Class:\t${qosClass(pod)}\n`);
  w.labels('Node-Selectors', pod.spec.nodeSelector);
  describeTolerations(w, pod.spec.tolerations);
}
