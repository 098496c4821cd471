/**
 * The resources the API serves: where each lives (group, version, plural), whether it is namespaced,
 * and which subresources it has. The server routes from this table and the client builds paths from
 * it, so a path is spelled in exactly one place.
 */

/** ResourceInfo describes one served resource. */
export interface ResourceInfo {
  /** API group; '' is the core group (served under /api/v1). */
  group: string;
  version: string;
  kind: string;
  /** Lower-case plural used in paths and in etcd keys (/registry/<plural>/...). */
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  subresources: string[];
}

/** RESOURCES lists every resource Flotilla serves. */
export const RESOURCES: readonly ResourceInfo[] = [
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', singular: 'namespace', namespaced: false, shortNames: ['ns'], subresources: ['status'] },
  { group: '', version: 'v1', kind: 'Node', plural: 'nodes', singular: 'node', namespaced: false, shortNames: ['no'], subresources: ['status'] },
  { group: '', version: 'v1', kind: 'Pod', plural: 'pods', singular: 'pod', namespaced: true, shortNames: ['po'], subresources: ['status', 'binding', 'log'] },
  { group: '', version: 'v1', kind: 'Event', plural: 'events', singular: 'event', namespaced: true, shortNames: ['ev'], subresources: [] },
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', singular: 'lease', namespaced: true, shortNames: [], subresources: [] },
  { group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', singular: 'replicaset', namespaced: true, shortNames: ['rs'], subresources: ['status', 'scale'] },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', singular: 'deployment', namespaced: true, shortNames: ['deploy'], subresources: ['status', 'scale'] },
];

/** apiVersionOf gives the `apiVersion` string of a resource ("v1", "apps/v1"). */
export function apiVersionOf(r: ResourceInfo): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** resourceByKind finds a resource by its kind ("Pod"), or undefined. */
export function resourceByKind(kind: string, apiVersion?: string): ResourceInfo | undefined {
  return RESOURCES.find((r) => r.kind === kind && (apiVersion === undefined || apiVersionOf(r) === apiVersion));
}

/** resourceByName finds a resource by what a user types: plural, singular, short name or kind, any case. */
export function resourceByName(name: string): ResourceInfo | undefined {
  const n = name.toLowerCase();
  return RESOURCES.find((r) => r.plural === n || r.singular === n || r.kind.toLowerCase() === n || r.shortNames.includes(n));
}

/** collectionPath is the URL path of a resource's collection, in a namespace when it is namespaced. */
export function collectionPath(r: ResourceInfo, namespace?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  return r.namespaced && namespace ? `${base}/namespaces/${encodeURIComponent(namespace)}/${r.plural}` : `${base}/${r.plural}`;
}

/** objectPath is the URL path of one object, or of one of its subresources. */
export function objectPath(r: ResourceInfo, name: string, namespace?: string, subresource?: string): string {
  const p = `${collectionPath(r, namespace)}/${encodeURIComponent(name)}`;
  return subresource ? `${p}/${subresource}` : p;
}
