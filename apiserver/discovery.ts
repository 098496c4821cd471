/**
 * Discovery documents, built from api/resources.ts: /version, /api, /api/v1, /apis and each
 * /apis/GROUP/VERSION, in the shapes kubectl and client-go read.
 */
import { RESOURCES, apiVersionOf } from '../api/resources.js';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const SUB_VERBS: Record<string, string[]> = { status: ['get', 'patch', 'update'], binding: ['create'], scale: ['get', 'patch', 'update'], log: ['get'] };

/** versionInfo is the /version document. */
export function versionInfo(): Record<string, string> {
  return {
    major: '1', minor: '32', gitVersion: 'v1.32.0-flotilla', gitCommit: 'flotilla', gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z', goVersion: `node${process.versions.node}`, compiler: 'tsc', platform: `${process.platform}/${process.arch}`,
  };
}

/** coreVersions is the /api document (APIVersions). */
export function coreVersions(serverAddress: string): unknown {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

/** groupList is the /apis document (APIGroupList) of every non-core group. */
export function groupList(): unknown {
  const groups = new Map<string, string[]>();
  for (const r of RESOURCES) if (r.group) groups.set(r.group, [...new Set([...(groups.get(r.group) ?? []), r.version])]);
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => ({
      name,
      versions: versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
    })),
  };
}

/** group is the /apis/GROUP document (APIGroup), or undefined for an unknown group. */
export function group(name: string): unknown {
  const g = (groupList() as { groups: { name: string }[] }).groups.find((x) => x.name === name);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...g } : undefined;
}

/** resourceList is the APIResourceList of one group/version, or undefined when not served. */
export function resourceList(groupName: string, version: string): unknown {
  const rs = RESOURCES.filter((r) => r.group === groupName && r.version === version);
  if (rs.length === 0) return undefined;
  const resources: unknown[] = [];
  for (const r of rs) {
    resources.push({ name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: VERBS, shortNames: r.shortNames.length ? r.shortNames : undefined, categories: r.kind === 'Pod' || r.kind === 'Deployment' || r.kind === 'ReplicaSet' ? ['all'] : undefined });
    for (const s of r.subresources) {
      const kind = s === 'scale' ? 'Scale' : s === 'binding' ? 'Binding' : s === 'log' ? 'Pod' : r.kind;
      const extra = s === 'scale' ? { group: 'autoscaling', version: 'v1' } : {};
      resources.push({ name: `${r.plural}/${s}`, singularName: '', namespaced: r.namespaced, kind, verbs: SUB_VERBS[s] ?? ['get'], ...extra });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(rs[0]!), resources };
}
