/**
 * Pure rendering for `flotctl describe`: kubectl's "Key:  value" layout with nested sections, the
 * per-kind details of Pods, Nodes, Deployments and ReplicaSets, and the Events table.
 */
import type { Container, ContainerState, Deployment, Event, KubeObject, Node, Pod, ReplicaSet } from '../../api/types.js';
import { humanDuration } from './table-format.js';

type Entry = { level: number; key: string; value?: string } | { level: number; raw: string };

/** DescribeWriter collects "Key: value" lines and aligns the values of each run of same-level keys. */
export class DescribeWriter {
  private readonly entries: Entry[] = [];

  /** line adds `key:` with a value (aligned) or, without one, a section heading. */
  line(level: number, key: string, value?: string | number | boolean): this {
    this.entries.push({ level, key, value: value === undefined ? undefined : value === '' ? '<none>' : String(value) });
    return this;
  }

  /** raw adds a line printed as is, indented by level. */
  raw(level: number, text: string): this {
    this.entries.push({ level, raw: text });
    return this;
  }

  /** map adds `key:` followed by k=v pairs one per line, or <none>. */
  map(level: number, key: string, m: Record<string, string> | undefined, sep = '='): this {
    const pairs = Object.entries(m ?? {}).sort(([a], [b]) => a.localeCompare(b));
    if (pairs.length === 0) return this.line(level, key, '<none>');
    this.line(level, key, `${pairs[0][0]}${sep}${pairs[0][1]}`);
    for (const [k, v] of pairs.slice(1)) this.entries.push({ level, key: '', value: `${k}${sep}${v}` });
    return this;
  }

  /** table adds rows whose columns are aligned (2 spaces apart), such as a Conditions table. */
  table(level: number, rows: string[][]): this {
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
    for (const r of rows) this.raw(level, r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 2))).join(''));
    return this;
  }

  /**
   * toString renders the lines. As in kubectl (a tabwriter over "key:\tvalue" lines), the values of
   * a run of consecutive key-value lines start in one column whatever their indentation; a heading
   * or a raw line ends the run.
   */
  toString(): string {
    const out: string[] = [];
    let i = 0;
    while (i < this.entries.length) {
      const e = this.entries[i];
      if ('raw' in e || e.value === undefined) {
        out.push('  '.repeat(e.level) + ('raw' in e ? e.raw : `${e.key}:`));
        i++;
        continue;
      }
      let j = i;
      let width = 0;
      while (j < this.entries.length) {
        const f = this.entries[j];
        if ('raw' in f || f.value === undefined) break;
        width = Math.max(width, 2 * f.level + (f.key ? f.key.length + 1 : 0));
        j++;
      }
      for (let k = i; k < j; k++) {
        const f = this.entries[k] as { level: number; key: string; value: string };
        const label = '  '.repeat(f.level) + (f.key ? `${f.key}:` : '');
        out.push(`${label.padEnd(width + 2)}${f.value}`);
      }
      i = j;
    }
    return out.map((l) => l.trimEnd()).join('\n') + '\n';
  }
}

/** describeTime prints a timestamp as kubectl's describe does (RFC 1123 with offset). */
export function describeTime(ts: string | undefined): string {
  if (!ts) return '<unset>';
  const d = new Date(ts);
  if (Number.isNaN(d.getTime())) return ts;
  return d.toUTCString().replace('GMT', '+0000');
}

function stateLines(w: DescribeWriter, level: number, title: string, s: ContainerState | undefined): void {
  if (s?.running) {
    w.line(level, title, 'Running');
    w.line(level + 1, 'Started', describeTime(s.running.startedAt));
  } else if (s?.terminated) {
    w.line(level, title, 'Terminated');
    if (s.terminated.reason) w.line(level + 1, 'Reason', s.terminated.reason);
    if (s.terminated.message) w.line(level + 1, 'Message', s.terminated.message);
    w.line(level + 1, 'Exit Code', s.terminated.exitCode);
    if (s.terminated.signal) w.line(level + 1, 'Signal', s.terminated.signal);
    w.line(level + 1, 'Started', describeTime(s.terminated.startedAt));
    w.line(level + 1, 'Finished', describeTime(s.terminated.finishedAt));
  } else if (s?.waiting) {
    w.line(level, title, 'Waiting');
    if (s.waiting.reason) w.line(level + 1, 'Reason', s.waiting.reason);
  } else {
    w.line(level, title, title === 'State' ? 'Waiting' : '<none>');
  }
}

function containerLines(w: DescribeWriter, c: Container, pod: Pod): void {
  const st = pod.status?.containerStatuses?.find((s) => s.name === c.name);
  w.line(1, c.name);
  if (st?.containerID) w.line(2, 'Container ID', st.containerID);
  w.line(2, 'Image', c.image);
  if (c.ports?.length) w.line(2, 'Port', c.ports.map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`).join(', '));
  if (c.command?.length) w.line(2, 'Command', c.command.join(' '));
  if (c.args?.length) w.line(2, 'Args', c.args.join(' '));
  stateLines(w, 2, 'State', st?.state);
  if (st?.lastState && Object.keys(st.lastState).length) stateLines(w, 2, 'Last State', st.lastState);
  w.line(2, 'Ready', st?.ready ? 'True' : 'False');
  w.line(2, 'Restart Count', st?.restartCount ?? 0);
  for (const [title, list] of [['Limits', c.resources?.limits], ['Requests', c.resources?.requests]] as const) {
    if (!list || Object.keys(list).length === 0) continue;
    w.line(2, title);
    for (const [k, v] of Object.entries(list)) w.line(3, k, v);
  }
  if (c.env?.length) {
    w.line(2, 'Environment');
    for (const e of c.env) w.line(3, e.name, e.value ?? '');
  } else {
    w.line(2, 'Environment', '<none>');
  }
}

function describePod(w: DescribeWriter, pod: Pod): void {
  const hostIP = pod.status?.hostIP;
  w.line(0, 'Node', pod.spec.nodeName ? `${pod.spec.nodeName}${hostIP ? `/${hostIP}` : ''}` : '<none>');
  w.line(0, 'Start Time', pod.status?.startTime ? describeTime(pod.status.startTime) : '<unset>');
  if (pod.metadata.deletionTimestamp) {
    w.line(0, 'Status', `Terminating (lasts ${humanDuration(Date.now() - Date.parse(pod.metadata.deletionTimestamp))})`);
    w.line(0, 'Termination Grace Period', `${pod.metadata.deletionGracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30}s`);
  } else {
    w.line(0, 'Status', pod.status?.phase ?? 'Pending');
  }
  if (pod.status?.reason) w.line(0, 'Reason', pod.status.reason);
  if (pod.status?.message) w.line(0, 'Message', pod.status.message);
  w.line(0, 'IP', pod.status?.podIP ?? '');
  w.line(0, 'Containers');
  for (const c of pod.spec.containers ?? []) containerLines(w, c, pod);
  const conds = pod.status?.conditions ?? [];
  if (conds.length) {
    w.line(0, 'Conditions');
    w.table(1, [['Type', 'Status'], ...conds.map((c) => [c.type, c.status])]);
  }
  w.line(0, 'Restart Policy', pod.spec.restartPolicy ?? 'Always');
  w.map(0, 'Node-Selectors', pod.spec.nodeSelector, '=');
  const tol = (pod.spec.tolerations ?? []).map((t) => `${t.key ?? ''}${t.operator === 'Exists' ? '' : `=${t.value ?? ''}`}${t.effect ? `:${t.effect}` : ''}${t.operator === 'Exists' ? ' op=Exists' : ''}${t.tolerationSeconds !== undefined ? ` for ${t.tolerationSeconds}s` : ''}`);
  w.line(0, 'Tolerations', tol[0] ?? '<none>');
  for (const t of tol.slice(1)) w.line(0, '', t);
}

function describeNode(w: DescribeWriter, node: Node): void {
  const taints = (node.spec?.taints ?? []).map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`);
  w.line(0, 'Taints', taints[0] ?? '<none>');
  for (const t of taints.slice(1)) w.line(0, '', t);
  w.line(0, 'Unschedulable', node.spec?.unschedulable ? 'true' : 'false');
  if (node.spec?.podCIDR) w.line(0, 'PodCIDR', node.spec.podCIDR);
  const conds = node.status?.conditions ?? [];
  w.line(0, 'Conditions');
  w.table(1, [
    ['Type', 'Status', 'LastHeartbeatTime', 'Reason', 'Message'],
    ['----', '------', '-----------------', '------', '-------'],
    ...conds.map((c) => [c.type, c.status, describeTime(c.lastHeartbeatTime), c.reason ?? '', c.message ?? '']),
  ]);
  w.line(0, 'Addresses');
  for (const a of node.status?.addresses ?? []) w.line(1, a.type, a.address);
  if (node.status?.capacity) {
    w.line(0, 'Capacity');
    for (const [k, v] of Object.entries(node.status.capacity)) w.line(1, k, v);
  }
  if (node.status?.allocatable) {
    w.line(0, 'Allocatable');
    for (const [k, v] of Object.entries(node.status.allocatable)) w.line(1, k, v);
  }
  const info = node.status?.nodeInfo;
  if (info) {
    w.line(0, 'System Info');
    for (const [k, v] of Object.entries(info)) if (v) w.line(1, k.replace(/^./, (ch) => ch.toUpperCase()).replace(/([a-z])([A-Z])/g, '$1 $2'), v);
  }
}

function describeWorkload(w: DescribeWriter, o: Deployment | ReplicaSet): void {
  const sel = o.spec.selector?.matchLabels ?? {};
  w.line(0, 'Selector', Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(',') || '<none>');
  const st = o.status;
  if (o.kind === 'Deployment') {
    const d = o as Deployment;
    w.line(0, 'Replicas', `${d.spec.replicas ?? 1} desired | ${d.status?.updatedReplicas ?? 0} updated | ${d.status?.replicas ?? 0} total | ${d.status?.availableReplicas ?? 0} available | ${d.status?.unavailableReplicas ?? 0} unavailable`);
    w.line(0, 'StrategyType', d.spec.strategy?.type ?? 'RollingUpdate');
  } else {
    w.line(0, 'Replicas', `${st?.replicas ?? 0} current / ${o.spec.replicas ?? 1} desired`);
  }
  w.line(0, 'Pod Template');
  w.map(1, 'Labels', o.spec.template?.metadata?.labels);
  w.line(1, 'Containers');
  for (const c of o.spec.template?.spec?.containers ?? []) {
    w.line(2, c.name);
    w.line(3, 'Image', c.image);
    if (c.ports?.length) w.line(3, 'Port', c.ports.map((p) => `${p.containerPort}/${p.protocol ?? 'TCP'}`).join(', '));
  }
  const conds = (st as Deployment['status'])?.conditions ?? [];
  if (conds.length) {
    w.line(0, 'Conditions');
    w.table(1, [['Type', 'Status', 'Reason'], ['----', '------', '------'], ...conds.map((c) => [c.type, c.status, c.reason ?? ''])]);
  }
}

/** describeObject renders the object part of `describe` (everything but Events). */
export function describeObject(o: KubeObject): DescribeWriter {
  const w = new DescribeWriter();
  w.line(0, 'Name', o.metadata.name ?? '');
  if (o.metadata.namespace) w.line(0, 'Namespace', o.metadata.namespace);
  w.map(0, 'Labels', o.metadata.labels);
  const ann = { ...(o.metadata.annotations ?? {}) };
  delete ann['kubectl.kubernetes.io/last-applied-configuration'];
  w.map(0, 'Annotations', ann, ': ');
  w.line(0, 'CreationTimestamp', describeTime(o.metadata.creationTimestamp));
  if (o.metadata.ownerReferences?.length) w.line(0, 'Controlled By', o.metadata.ownerReferences.map((r) => `${r.kind}/${r.name}`).join(', '));
  if (o.kind === 'Pod') describePod(w, o as Pod);
  else if (o.kind === 'Node') describeNode(w, o as Node);
  else if (o.kind === 'Deployment' || o.kind === 'ReplicaSet') describeWorkload(w, o as Deployment);
  return w;
}

/** eventsSection renders kubectl's Events table for events already filtered to one object. */
export function eventsSection(events: Event[], now = Date.now()): string {
  if (events.length === 0) return 'Events:  <none>\n';
  const sorted = [...events].sort((a, b) => Date.parse(a.lastTimestamp ?? a.metadata.creationTimestamp ?? '') - Date.parse(b.lastTimestamp ?? b.metadata.creationTimestamp ?? ''));
  const rows = [['Type', 'Reason', 'Age', 'From', 'Message'], ['----', '------', '----', '----', '-------']];
  for (const e of sorted) {
    const first = e.firstTimestamp ?? e.metadata.creationTimestamp;
    const last = e.lastTimestamp ?? first;
    let age = last ? humanDuration(now - Date.parse(last)) : '<unknown>';
    if ((e.count ?? 1) > 1 && first) age = `${age} (x${e.count} over ${humanDuration(now - Date.parse(first))})`;
    rows.push([e.type ?? 'Normal', e.reason ?? '', age, e.source?.component ?? e.reportingComponent ?? '', (e.message ?? '').trim()]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) => '  ' + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 2))).join(''));
  return `Events:\n${lines.map((l) => l.trimEnd()).join('\n')}\n`;
}
