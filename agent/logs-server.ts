/**
 * The agent's HTTP endpoint that the API server proxies `pods/NAME/log` to:
 * GET /containerLogs/NS/POD/CONTAINER?follow&tailLines&timestamps&previous&sinceSeconds, with the
 * bearer token the agent was given. It reads the container's CRI log file and sends plain lines
 * (with their times when asked); with follow it keeps sending until the container stops, the pod
 * goes, or the client leaves.
 */
import { createReadStream, existsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import type { Pod } from '../api/types.js';
import type { RuntimeClient } from '../runtime/client.js';
import { containerLogPath, podLogDirectory } from './container-config.js';
import { CriLineAssembler, formatLogLine, selectLines, type LogLine } from './cri-log.js';
import type { AgentLogger } from './logger.js';
import { LABEL_CONTAINER_NAME, LABEL_POD_UID, containerInstances, observedContainer, type ObservedPod } from './observed-pod.js';

/** LogsServerOptions wire the endpoint to the node. */
export interface LogsServerOptions {
  address: string;
  port: number;
  token: string;
  rootDir: string;
  runtime: RuntimeClient;
  /** Finds a pod of this node by namespace and name (the pods informer's cache). */
  findPod(namespace: string, name: string): Readonly<Pod> | undefined;
  log: AgentLogger;
  /** How often a follower looks for new lines (default 200 ms). */
  pollMs?: number;
}

/** LogsServer is the running endpoint. */
export interface LogsServer {
  port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const REASONS: Record<number, string> = { 400: 'BadRequest', 401: 'Unauthorized', 404: 'NotFound', 405: 'MethodNotAllowed', 500: 'InternalError' };

/** sendError answers with a meta/v1 Status, which the API server's proxy passes on as it is. */
function sendError(res: http.ServerResponse, status: number, message: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: REASONS[status] ?? 'InternalError', code: status };
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** startLogsServer listens on address:port (port 0 picks one) and serves container logs. */
export async function startLogsServer(opts: LogsServerOptions): Promise<LogsServer> {
  const responses = new Set<http.ServerResponse>();
  let closing = false;
  const server = http.createServer((req, res) => {
    responses.add(res);
    res.on('close', () => responses.delete(res));
    handle(req, res).catch((e) => {
      if (e instanceof HttpError) sendError(res, e.status, e.message);
      else {
        opts.log.warn({ err: (e as Error).message, url: req.url }, 'logs request failed');
        sendError(res, 500, (e as Error).message);
      }
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://agent');
    if (url.pathname === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    if ((req.headers.authorization ?? '') !== `Bearer ${opts.token}`) throw new HttpError(401, 'Unauthorized: a valid bearer token is required');
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]*)\/?$/.exec(url.pathname);
    if (!m) throw new HttpError(404, `no such path ${url.pathname} (GET /containerLogs/NAMESPACE/POD/CONTAINER)`);
    if (req.method !== 'GET') throw new HttpError(405, 'only GET is served');
    const [ns, podName, containerParam] = m.slice(1).map(decodeURIComponent) as [string, string, string];
    const q = url.searchParams;
    const flag = (k: string) => q.get(k) === 'true' || q.get(k) === '1';
    const tailLines = q.has('tailLines') ? Number(q.get('tailLines')) : undefined;
    if (tailLines !== undefined && (!Number.isInteger(tailLines) || tailLines < 0)) throw new HttpError(400, `tailLines: "${q.get('tailLines')}" is not a whole number`);
    const sinceSeconds = q.has('sinceSeconds') ? Number(q.get('sinceSeconds')) : undefined;
    if (sinceSeconds !== undefined && !(sinceSeconds > 0)) throw new HttpError(400, `sinceSeconds: "${q.get('sinceSeconds')}" is not a positive number`);

    const pod = opts.findPod(ns, podName);
    if (!pod) throw new HttpError(404, `pod "${podName}" not found in namespace "${ns}" on this node`);
    let container = containerParam;
    if (!container) {
      if (pod.spec.containers.length !== 1) {
        throw new HttpError(400, `a container name must be specified for pod ${podName}, choose one of: [${pod.spec.containers.map((c) => c.name).join(' ')}]`);
      }
      container = pod.spec.containers[0]!.name;
    }
    if (!pod.spec.containers.some((c) => c.name === container)) throw new HttpError(400, `container ${container} is not valid for pod ${podName}`);
    const instances = await listInstances(pod.metadata.uid!, container);
    const previous = flag('previous');
    const inst = instances[previous ? 1 : 0];
    if (!inst) {
      throw new HttpError(400, previous
        ? `previous terminated container "${container}" in pod "${podName}" not found`
        : `container "${container}" in pod "${podName}" is waiting to start: ContainerCreating`);
    }
    const file = path.join(podLogDirectory(opts.rootDir, pod), containerLogPath(container, inst.attempt));
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
    const timestamps = flag('timestamps');
    const sinceMs = sinceSeconds !== undefined ? Date.now() - sinceSeconds * 1000 : undefined;
    const { lines, offset, assembler } = await readAll(file);
    for (const l of selectLines(lines, { tailLines, sinceMs })) res.write(formatLogLine(l, timestamps));
    if (!flag('follow') || previous || inst.state !== 'running') {
      res.end();
      return;
    }
    await follow(res, file, offset, assembler, timestamps, inst.id, pod);
  }

  async function listInstances(uid: string, name: string): Promise<ObservedPod['containers']> {
    const r = await opts.runtime.listContainers({ filter: { labelSelector: { [LABEL_POD_UID]: uid, [LABEL_CONTAINER_NAME]: name } } });
    const containers = r.containers.map((c) => observedContainer({ id: c.id, state: c.state, labels: c.labels, annotations: c.annotations, metadata: c.metadata }, c.podSandboxId));
    return containerInstances({ sandboxes: [], containers }, name);
  }

  async function readAll(file: string): Promise<{ lines: LogLine[]; offset: number; assembler: CriLineAssembler }> {
    const assembler = new CriLineAssembler();
    const lines: LogLine[] = [];
    if (!existsSync(file)) return { lines, offset: 0, assembler };
    let offset = 0;
    await new Promise<void>((resolve, reject) => {
      const s = createReadStream(file);
      s.on('data', (chunk: Buffer | string) => {
        offset += Buffer.byteLength(chunk);
        for (const l of assembler.push(chunk.toString())) lines.push(l);
      });
      s.on('end', resolve);
      s.on('error', reject);
    });
    return { lines, offset, assembler };
  }

  async function follow(res: http.ServerResponse, file: string, start: number, asm: CriLineAssembler, timestamps: boolean, containerId: string, pod: Readonly<Pod>): Promise<void> {
    let offset = start;
    let gone = false;
    res.on('close', () => (gone = true));
    let lastStateCheck = 0;
    let running = true;
    const pollMs = opts.pollMs ?? 200;
    while (!gone && !closing) {
      const got = await readFrom(file, offset);
      offset += got.length;
      if (got.length) for (const l of asm.push(got.toString())) res.write(formatLogLine(l, timestamps));
      if (!running && got.length === 0) break;
      if (Date.now() - lastStateCheck > 1000) {
        lastStateCheck = Date.now();
        running = await isRunning(containerId);
        if (opts.findPod(pod.metadata.namespace ?? 'default', pod.metadata.name!)?.metadata.uid !== pod.metadata.uid) running = false;
        if (!running) continue; // one more read to drain what the container wrote last
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
    res.end();
  }

  async function readFrom(file: string, offset: number): Promise<Buffer> {
    try {
      const st = await stat(file);
      if (st.size <= offset) return Buffer.alloc(0);
      const fh = await open(file, 'r');
      try {
        const buf = Buffer.alloc(Math.min(st.size - offset, 1 << 20));
        const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
        return buf.subarray(0, bytesRead);
      } finally {
        await fh.close();
      }
    } catch {
      return Buffer.alloc(0);
    }
  }

  async function isRunning(id: string): Promise<boolean> {
    try {
      const r = await opts.runtime.containerStatus({ containerId: id });
      return r.status.state === 'CONTAINER_RUNNING';
    } catch {
      return false;
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : opts.port,
    close: () => {
      closing = true;
      for (const r of responses) r.end();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
