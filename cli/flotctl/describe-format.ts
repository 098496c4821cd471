/**
 * Pure rendering for `flotctl describe`, line for line as kubectl's describers: Pods
 * (describe-pod.ts), Nodes (with their pods' requests and limits), Deployments, ReplicaSets,
 * Namespaces, a generic form for the rest, and the Events table.
 */
import { formatBytes, formatMilli, parseBytes, parseMilli } from '../../api/quantity.js';
import type { Deployment, Event, KubeObject, Lease, Node, Pod, ReplicaSet } from '../../api/types.js';
import { describePod, describePodTemplate } from './describe-pod.js';
import { DescribeWriter, describeTime } from './describe-writer.js';
import { humanDuration } from '../../api/human-duration.js';

export { DescribeWriter, describeTime } from './describe-writer.js';

/** Related is what describe looked up besides the object: its events, a node's lease and pods, a workload's ReplicaSets and pods. */
export interface Related {
  events?: Event[];
  lease?: Lease | { error: string };
  nodePods?: Pod[];
  replicaSets?: ReplicaSet[];
  pods?: Pod[];
}

function sum(values: (string | undefined)[], parse: (s: string) => number): number {
  let total = 0;
  for (const v of values) {
    if (v === undefined) continue;
    try {
      total += parse(v);
    } catch {
      /* an unparsable quantity counts as 0, as a printer must not fail */
    }
  }
  return total;
}

function podTotals(pod: Pod): { cpuReq: number; cpuLim: number; memReq: number; memLim: number } {
  const cs = pod.spec.containers ?? [];
  return {
    cpuReq: sum(cs.map((c) => c.resources?.requests?.cpu ?? c.resources?.limits?.cpu), parseMilli),
    cpuLim: sum(cs.map((c) => c.resources?.limits?.cpu), parseMilli),
    memReq: sum(cs.map((c) => c.resources?.requests?.memory ?? c.resources?.limits?.memory), parseBytes),
    memLim: sum(cs.map((c) => c.resources?.limits?.memory), parseBytes),
  };
}

function percent(part: number, whole: number): number {
  return whole > 0 ? Math.trunc((part / whole) * 100) : 0;
}

function describeNodeResources(w: DescribeWriter, node: Node, pods: Pod[], now: number): void {
  const alloc = node.status?.allocatable && Object.keys(node.status.allocatable).length ? node.status.allocatable : node.status?.capacity ?? {};
  const cpu = sum([alloc.cpu], parseMilli);
  const mem = sum([alloc.memory], parseBytes);
  w.write(0, `Non-terminated Pods:\t(${pods.length} in total)\n`);
  w.write(1, 'Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n');
  w.write(1, '---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n');
  const total = { cpuReq: 0, cpuLim: 0, memReq: 0, memLim: 0 };
  for (const p of pods) {
    const t = podTotals(p);
    for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += t[k];
    w.write(1, `${p.metadata.namespace ?? ''}\t${p.metadata.name ?? ''}\t\t${formatMilli(t.cpuReq)} (${percent(t.cpuReq, cpu)}%)\t${formatMilli(t.cpuLim)} (${percent(t.cpuLim, cpu)}%)\t`
      + `${formatBytes(t.memReq)} (${percent(t.memReq, mem)}%)\t${formatBytes(t.memLim)} (${percent(t.memLim, mem)}%)\t${ageOf(p.metadata.creationTimestamp, now)}\n`);
  }
  w.write(0, 'Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n');
  w.write(1, 'Resource\tRequests\tLimits\n');
  w.write(1, '--------\t--------\t------\n');
  w.write(1, `cpu\t${formatMilli(total.cpuReq)} (${percent(total.cpuReq, cpu)}%)\t${formatMilli(total.cpuLim)} (${percent(total.cpuLim, cpu)}%)\n`);
  w.write(1, `memory\t${formatBytes(total.memReq)} (${percent(total.memReq, mem)}%)\t${formatBytes(total.memLim)} (${percent(total.memLim, mem)}%)\n`);
  w.write(1, 'ephemeral-storage\t0 (0%)\t0 (0%)\n');
}

function ageOf(ts: string | undefined, now: number): string {
  return ts ? humanDuration(now - Date.parse(ts)) : '<unknown>';
}

function describeNode(w: DescribeWriter, node: Node, rel: Related, now: number): void {
  const m = node.metadata;
  w.write(0, `Name:\t${m.name ?? ''}\n`);
  const roles = Object.keys(m.labels ?? {}).filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.slice('node-role.kubernetes.io/'.length)).filter(Boolean);
  w.write(0, `Roles:\t${roles.length ? roles.join(',') : '<none>'}\n`);
  w.labels('Labels', m.labels);
  w.annotations('Annotations', m.annotations);
  w.write(0, `CreationTimestamp:\t${describeTime(m.creationTimestamp)}\n`);
  const taints = node.spec?.taints ?? [];
  w.write(0, 'Taints:\t');
  if (taints.length === 0) w.write(0, '<none>\n');
  taints.forEach((t, i) => w.write(0, `${i ? '\t' : ''}${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}\n`));
  w.write(0, `Unschedulable:\t${node.spec?.unschedulable ? 'true' : 'false'}\n`);
  if (rel.lease && !('error' in rel.lease)) {
    const s = rel.lease.spec ?? {};
    w.write(0, 'Lease:\n');
    w.write(1, `HolderIdentity:\t${s.holderIdentity ?? '<unset>'}\n`);
    w.write(1, `AcquireTime:\t${s.acquireTime ? describeTime(s.acquireTime) : '<unset>'}\n`);
    w.write(1, `RenewTime:\t${s.renewTime ? describeTime(s.renewTime) : '<unset>'}\n`);
  } else if (rel.lease) {
    w.write(0, `Lease:\tFailed to get lease: ${rel.lease.error}\n`);
  }
  const conds = node.status?.conditions ?? [];
  if (conds.length) {
    w.write(0, 'Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n');
    w.write(1, '----\t------\t-----------------\t------------------\t------\t-------\n');
    for (const c of conds) {
      w.write(1, `${c.type} \t${c.status} \t${describeTime(c.lastHeartbeatTime)} \t${describeTime(c.lastTransitionTime)} \t${c.reason ?? ''} \t${c.message ?? ''}\n`);
    }
  }
  w.write(0, 'Addresses:\n');
  for (const a of node.status?.addresses ?? []) w.write(1, `${a.type}:\t${a.address}\n`);
  for (const [title, list] of [['Capacity', node.status?.capacity], ['Allocatable', node.status?.allocatable]] as const) {
    if (!list || Object.keys(list).length === 0) continue;
    w.write(0, `${title}:\n`);
    for (const k of Object.keys(list).sort()) w.write(0, `  ${k}:\t${list[k]}\n`);
  }
  const info = node.status?.nodeInfo ?? {};
  w.write(0, 'System Info:\n');
  const infoRows: [string, string | undefined][] = [
    ['Machine ID', info.machineID], ['System UUID', undefined], ['Boot ID', undefined], ['Kernel Version', info.kernelVersion],
    ['OS Image', info.osImage], ['Operating System', info.operatingSystem], ['Architecture', info.architecture],
    ['Container Runtime Version', info.containerRuntimeVersion], ['Kubelet Version', info.kubeletVersion], ['Kube-Proxy Version', undefined],
  ];
  for (const [k, v] of infoRows) w.write(0, `  ${k}:\t${v ?? ''}\n`);
  if (node.spec?.podCIDR) w.write(0, `PodCIDR:\t${node.spec.podCIDR}\n`);
  if (node.spec?.podCIDRs?.length) w.write(0, `PodCIDRs:\t${node.spec.podCIDRs.join(',')}\n`);
  if (rel.nodePods) describeNodeResources(w, node, rel.nodePods, now);
}

function selectorText(o: Deployment | ReplicaSet): string {
  const parts = Object.entries(o.spec.selector?.matchLabels ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`);
  for (const e of o.spec.selector?.matchExpressions ?? []) {
    if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
    else parts.push(`${e.key} ${e.operator === 'In' ? 'in' : 'notin'} (${(e.values ?? []).join(',')})`);
  }
  return parts.join(',') || '<none>';
}

function replicaSetsText(list: ReplicaSet[]): string {
  return list.map((rs) => `${rs.metadata.name} (${rs.status?.replicas ?? 0}/${rs.spec.replicas ?? 1} replicas created)`).join(', ') || '<none>';
}

const REVISION = 'deployment.kubernetes.io/revision';

function describeDeployment(w: DescribeWriter, d: Deployment, rel: Related): void {
  const m = d.metadata;
  const s = d.status ?? {};
  w.write(0, `Name:\t${m.name ?? ''}\n`);
  w.write(0, `Namespace:\t${m.namespace ?? ''}\n`);
  w.write(0, `CreationTimestamp:\t${describeTime(m.creationTimestamp)}\n`);
  w.labels('Labels', m.labels);
  w.annotations('Annotations', m.annotations);
  w.write(0, `Selector:\t${selectorText(d)}\n`);
  w.write(0, `Replicas:\t${d.spec.replicas ?? 1} desired | ${s.updatedReplicas ?? 0} updated | ${s.replicas ?? 0} total | ${s.availableReplicas ?? 0} available | ${s.unavailableReplicas ?? 0} unavailable\n`);
  const type = d.spec.strategy?.type ?? 'RollingUpdate';
  w.write(0, `StrategyType:\t${type}\n`);
  w.write(0, `MinReadySeconds:\t${d.spec.minReadySeconds ?? 0}\n`);
  if (type === 'RollingUpdate') {
    const ru = d.spec.strategy?.rollingUpdate ?? {};
    w.write(0, `RollingUpdateStrategy:\t${ru.maxUnavailable ?? '25%'} max unavailable, ${ru.maxSurge ?? '25%'} max surge\n`);
  }
  describePodTemplate(w, d.spec.template);
  const conds = s.conditions ?? [];
  if (conds.length) {
    w.write(0, 'Conditions:\n  Type\tStatus\tReason\n');
    w.write(1, '----\t------\t------\n');
    for (const c of conds) w.write(1, `${c.type} \t${c.status}\t${c.reason ?? ''}\n`);
  }
  const owned = (rel.replicaSets ?? []).filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === m.uid && o.controller));
  if (owned.length) {
    const rev = m.annotations?.[REVISION];
    const newest = [...owned].sort((a, b) => Number(b.metadata.annotations?.[REVISION] ?? 0) - Number(a.metadata.annotations?.[REVISION] ?? 0))[0];
    const current = owned.find((rs) => rev !== undefined && rs.metadata.annotations?.[REVISION] === rev) ?? newest;
    const old = owned.filter((rs) => rs !== current && (rs.spec.replicas ?? 0) > 0);
    w.write(0, `OldReplicaSets:\t${replicaSetsText(old)}\n`);
    w.write(0, `NewReplicaSet:\t${replicaSetsText(current ? [current] : [])}\n`);
  }
}

function describeReplicaSet(w: DescribeWriter, rs: ReplicaSet, rel: Related): void {
  const m = rs.metadata;
  w.write(0, `Name:\t${m.name ?? ''}\n`);
  w.write(0, `Namespace:\t${m.namespace ?? ''}\n`);
  w.write(0, `Selector:\t${selectorText(rs)}\n`);
  w.labels('Labels', m.labels);
  w.annotations('Annotations', m.annotations);
  const owner = m.ownerReferences?.find((o) => o.controller);
  if (owner) w.write(0, `Controlled By:\t${owner.kind}/${owner.name}\n`);
  w.write(0, `Replicas:\t${rs.status?.replicas ?? 0} current / ${rs.spec.replicas ?? 1} desired\n`);
  const pods = (rel.pods ?? []).filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === m.uid && o.controller));
  const count = (phase: string) => pods.filter((p) => (p.status?.phase ?? 'Pending') === phase).length;
  w.write(0, `Pods Status:\t${count('Running')} Running / ${count('Pending')} Waiting / ${count('Succeeded')} Succeeded / ${count('Failed')} Failed\n`);
  describePodTemplate(w, rs.spec.template);
}

function describeGeneric(w: DescribeWriter, o: KubeObject): void {
  const m = o.metadata;
  w.write(0, `Name:\t${m.name ?? ''}\n`);
  if (m.namespace) w.write(0, `Namespace:\t${m.namespace}\n`);
  w.labels('Labels', m.labels);
  w.annotations('Annotations', m.annotations);
  if (o.kind === 'Namespace') {
    w.write(0, `Status:\t${(o as { status?: { phase?: string } }).status?.phase ?? ''}\n`);
    return;
  }
  w.write(0, `CreationTimestamp:\t${describeTime(m.creationTimestamp)}\n`);
  for (const [k, v] of Object.entries(o as unknown as Record<string, unknown>)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'metadata' || v === undefined) continue;
    const title = k.replace(/^./, (ch) => ch.toUpperCase());
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      w.write(0, `${title}:\n`);
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) w.write(1, `${k2}:\t${typeof v2 === 'object' ? JSON.stringify(v2) : String(v2)}\n`);
    } else {
      w.write(0, `${title}:\t${typeof v === 'object' ? JSON.stringify(v) : String(v)}\n`);
    }
  }
}

/** eventAge is the Age cell of one event: `5s`, or `5s (x4 over 5m)` for a repeated one. */
export function eventAge(e: Event, now: number): string {
  const first = e.firstTimestamp ?? e.metadata.creationTimestamp;
  if ((e.count ?? 1) > 1) return `${ageOf(e.lastTimestamp ?? first, now)} (x${e.count} over ${ageOf(first, now)})`;
  return ageOf(first ?? e.lastTimestamp, now);
}

/** describeEvents writes kubectl's Events section: `Events:\t<none>`, or a table after a flush. */
export function describeEvents(w: DescribeWriter, events: Event[], now: number): void {
  if (events.length === 0) {
    w.write(0, 'Events:\t<none>\n');
    return;
  }
  w.flush();
  const when = (e: Event) => Date.parse(e.lastTimestamp ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? '') || 0;
  const sorted = [...events].sort((a, b) => when(a) - when(b));
  w.write(0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n');
  w.write(1, '----\t------\t----\t----\t-------\n');
  for (const e of sorted) {
    w.write(1, `${e.type ?? 'Normal'}\t${e.reason ?? ''}\t${eventAge(e, now)}\t${e.source?.component || e.reportingComponent || ''}\t${(e.message ?? '').trim()}\n`);
  }
}

/** eventsSection renders only the Events part. */
export function eventsSection(events: Event[], now = Date.now()): string {
  const w = new DescribeWriter();
  describeEvents(w, events, now);
  return w.toString();
}

/** describeObject renders the whole describe text of one object; Events only when rel.events is given. */
export function describeObject(o: KubeObject, rel: Related = {}, now = Date.now()): string {
  const w = new DescribeWriter();
  if (o.kind === 'Pod') describePod(w, o as Pod, now);
  else if (o.kind === 'Node') describeNode(w, o as Node, rel, now);
  else if (o.kind === 'Deployment') describeDeployment(w, o as Deployment, rel);
  else if (o.kind === 'ReplicaSet') describeReplicaSet(w, o as ReplicaSet, rel);
  else describeGeneric(w, o);
  if (rel.events && o.kind !== 'Namespace') describeEvents(w, rel.events, now);
  return w.toString();
}
