/**
 * pods/log: finds the pod's node, its agent's address (status.addresses InternalIP and
 * status.daemonEndpoints.kubeletEndpoint.Port), and streams GET /containerLogs/NS/POD/CONTAINER
 * from that agent back to the client as text/plain, authenticated with the admin token.
 */
import { request as httpRequest } from 'node:http';
import { resourceByKind } from '../api/resources.js';
import { BadRequestError, NotFoundError, ServiceUnavailableError } from '../api/errors.js';
import type { Node, Pod } from '../api/types.js';
import { type ApiContext, type ApiRequest, type ApiResponse, startStream } from './context.js';

const PASSED = ['container', 'follow', 'tailLines', 'timestamps', 'previous', 'sinceSeconds', 'limitBytes'];
const PODS = resourceByKind('Pod')!;
const NODES = resourceByKind('Node')!;

/** agentLogUrl builds the agent URL for a pod's container log from the node's status; throws a clear 503 when it cannot. */
export function agentLogUrl(node: Node, pod: Pod, container: string, query: Record<string, unknown>): URL {
  const ip = (node.status?.addresses ?? []).find((a) => a.type === 'InternalIP')?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!ip || !port) throw new ServiceUnavailableError(`node "${node.metadata.name}" reports no InternalIP and agent port; is its agent running?`);
  const host = ip.includes(':') ? `[${ip}]` : ip;
  const u = new URL(`http://${host}:${port}/containerLogs/${encodeURIComponent(pod.metadata.namespace!)}/${encodeURIComponent(pod.metadata.name!)}/${encodeURIComponent(container)}`);
  for (const k of PASSED) {
    const v = query[k];
    if (k !== 'container' && v !== undefined) u.searchParams.set(k, String(Array.isArray(v) ? v[0] : v));
  }
  return u;
}

/** proxyPodLog answers GET pods/NAME/log by streaming the agent's answer. */
export async function proxyPodLog(ctx: ApiContext, namespace: string, name: string, req: ApiRequest, res: ApiResponse, query: Record<string, unknown>): Promise<void> {
  const pod = (await ctx.storage.get<Pod>(PODS, namespace, name))?.obj;
  if (!pod) throw NotFoundError.object('pods', name);
  const containers = (pod.spec.containers ?? []).map((c) => c.name);
  const asked = query.container === undefined ? undefined : String(Array.isArray(query.container) ? query.container[0] : query.container);
  if (asked === undefined && containers.length > 1) {
    throw new BadRequestError(`a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`);
  }
  const container = asked ?? containers[0]!;
  if (!containers.includes(container)) throw new BadRequestError(`container ${container} is not valid for pod ${name}`);
  if (!pod.spec.nodeName) throw new BadRequestError(`pod ${name} is not bound to a node yet, so it has no logs (it is Pending until scheduled)`);
  const node = (await ctx.storage.get<Node>(NODES, undefined, pod.spec.nodeName))?.obj;
  if (!node) throw new ServiceUnavailableError(`pod ${name} is bound to node "${pod.spec.nodeName}", which does not exist`);
  const url = agentLogUrl(node, pod, container, query);
  await new Promise<void>((resolve, reject) => {
    const up = httpRequest(url, { method: 'GET', headers: { Authorization: `Bearer ${ctx.adminToken}` }, timeout: 10000 }, (agentRes) => {
      const code = agentRes.statusCode ?? 502;
      if (code >= 400) {
        const chunks: Buffer[] = [];
        agentRes.on('data', (c: Buffer) => chunks.push(c));
        agentRes.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            const status = JSON.parse(text);
            if (status?.kind === 'Status') {
              res.writeHead(code, { 'Content-Type': 'application/json' });
              res.end(text);
              return resolve();
            }
          } catch { /* not a Status */ }
          reject(code === 404 ? new NotFoundError(`agent on node ${node.metadata.name}: ${text.trim() || 'not found'}`) : new ServiceUnavailableError(`agent on node ${node.metadata.name} answered ${code}: ${text.trim()}`));
        });
        return;
      }
      up.setTimeout(0);
      startStream(res, { 'Content-Type': 'text/plain' });
      agentRes.pipe(res);
      agentRes.on('end', resolve);
      agentRes.on('error', () => { res.end(); resolve(); });
    });
    up.on('timeout', () => up.destroy(new Error('timed out connecting')));
    up.on('error', (err) => {
      if (res.headersSent) { res.end(); return resolve(); }
      reject(new ServiceUnavailableError(`cannot reach the agent of node ${node.metadata.name} at ${url.host}: ${err.message}`));
    });
    const abort = () => up.destroy();
    req.on('close', abort);
    res.on('close', abort);
    up.end();
  });
}
