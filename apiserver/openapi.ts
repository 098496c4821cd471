/**
 * A minimal OpenAPI v3 description: the index at /openapi/v3 and, per group/version, the PATCH
 * operation of each kind with its `fieldValidation` parameter. kubectl reads exactly this to learn
 * that the server validates fields itself, so `kubectl create|apply` need no client-side schema.
 */
import { createHash } from 'node:crypto';
import { RESOURCES, apiVersionOf, collectionPath } from '../api/resources.js';

function gvKey(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** openApiDocument is the OpenAPI v3 document of one group/version, or undefined when not served. */
export function openApiDocument(key: string): unknown {
  const rs = RESOURCES.filter((r) => gvKey(r.group, r.version) === key);
  if (rs.length === 0) return undefined;
  const params = ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({ name, in: 'query', schema: { type: 'string' }, uniqueItems: true }));
  const paths: Record<string, unknown> = {};
  for (const r of rs) {
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    const base = r.namespaced ? collectionPath(r, '{namespace}') : collectionPath(r);
    const ok = { '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } } };
    paths[base] = {
      post: { operationId: `create${r.kind}`, 'x-kubernetes-action': 'post', 'x-kubernetes-group-version-kind': gvk, parameters: params, responses: ok },
    };
    paths[`${base}/{name}`] = {
      patch: { operationId: `patch${r.kind}`, 'x-kubernetes-action': 'patch', 'x-kubernetes-group-version-kind': gvk, parameters: params, responses: ok },
      put: { operationId: `replace${r.kind}`, 'x-kubernetes-action': 'put', 'x-kubernetes-group-version-kind': gvk, parameters: params, responses: ok },
    };
  }
  return { openapi: '3.0.0', info: { title: 'Flotilla', version: apiVersionOf(rs[0]!) }, paths, components: { schemas: {} } };
}

/** openApiIndex is the /openapi/v3 document: where each group/version's document lives. */
export function openApiIndex(): unknown {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const key of new Set(RESOURCES.map((r) => gvKey(r.group, r.version)))) {
    const hash = createHash('sha256').update(JSON.stringify(openApiDocument(key))).digest('hex').slice(0, 32).toUpperCase();
    paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
  }
  return { paths };
}
