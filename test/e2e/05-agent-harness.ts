/**
 * A one-node cluster for the agent's end-to-end tests and the startup bench: a real control plane,
 * a real `flotilla runtime` (own socket, root dir, bridge and cgroup parent, the busybox example image
 * imported), and `flotilla agent` as a child process (so a test can kill -9 it and start another).
 * stop() removes every pod, process, mount and cgroup it made, even after a failure.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient, isNotFound } from '../../api/client.js';
import type { Pod } from '../../api/types.js';
import { RuntimeClient } from '../../runtime/client.js';
import { buildBusyboxImage } from '../../runtime/images/example-image.js';
import { removeCgroupTree, unmountUnder } from '../../lab/cleanup.js';
import { startControlPlane } from '../helpers/control-plane.js';

const BIN = fileURLToPath(new URL('../../../bin/flotilla', import.meta.url));

/** AgentNode is the running one-node cluster. */
export interface AgentNode {
  client: ApiClient;
  runtime: RuntimeClient;
  nodeName: string;
  rootDir: string;
  socket: string;
  cgroupParent: string;
  agentPid(): number | undefined;
  /** runtimePid is the pid of `flotilla runtime` (for CPU accounting in the startup bench). */
  runtimePid(): number | undefined;
  /** startAgent starts `flotilla agent` (again) and waits for its "agent ready" log line. */
  startAgent(): Promise<void>;
  /** killAgent sends SIGKILL to the agent and waits for it to exit. */
  killAgent(): Promise<void>;
  /** agentLog is what the agents wrote so far (for failure messages). */
  agentLog(): string;
  stop(): Promise<void>;
}

/** waitFor polls until fn gives a value (not undefined/false), failing after timeoutMs with `what`. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** podSpec builds a busybox pod bound to the node, with pull policy IfNotPresent. */
export function busyboxPod(name: string, nodeName: string, script: string, extra: Partial<Pod['spec']> = {}, container: Partial<Pod['spec']['containers'][0]> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName,
      containers: [{ name: 'main', image: 'busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script], ...container }],
      ...extra,
    },
  };
}

/** importBusybox builds the example busybox image and imports it with `flotilla runtime import` into `<rootDir>/runtime`. */
export async function importBusybox(rootDir: string): Promise<void> {
  const image = path.join(rootDir, 'busybox.tar');
  await buildBusyboxImage(image, { tag: 'busybox:latest' });
  try {
    execFileSync(process.execPath, [BIN, 'runtime', 'import', image, '--root-dir', path.join(rootDir, 'runtime')], { stdio: 'pipe' });
  } catch (e) {
    throw new Error(`flotilla runtime import failed: ${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim()}`);
  }
}

/** removeNodeLeftovers deletes what a test node's runtime made on the host: its bridge, the mounts under rootDir, its cgroup tree. */
export async function removeNodeLeftovers(bridge: string, rootDir: string, cgroupName: string): Promise<void> {
  try {
    execFileSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
  } catch {
    // no bridge was made
  }
  await unmountUnder(rootDir);
  await removeCgroupTree(cgroupName).catch(() => {});
}

function waitExit(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((r) => p.once('exit', () => r()));
}

/** startAgentNode brings up the cluster; `tag` keeps names apart between test files. */
export async function startAgentNode(tag: string, opts: { env?: NodeJS.ProcessEnv } = {}): Promise<AgentNode> {
  const rootDir = mkdtempSync(path.join(tmpdir(), `flotilla-e2e-${tag}-`));
  const socket = path.join(rootDir, 'runtime.sock');
  const cgroupParent = `/flotilla-e2e-${tag}-${process.pid}`;
  const bridge = `flt-${tag}`.slice(0, 15);
  const nodeName = `flotilla-${tag}`;
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  let agent: ChildProcess | undefined;
  let runtimeProc: ChildProcess | undefined;
  const logFile = path.join(rootDir, 'agent.log');
  const logStream = createWriteStream(logFile, { flags: 'a' });
  let client: ApiClient | undefined;
  let runtime: RuntimeClient | undefined;

  const stop = async () => {
    // Pods first, through the API, so the agent tears them down as a user would see it.
    if (client && agent && agent.exitCode === null) {
      try {
        const pods = await client.list<Pod>('pods', { namespace: 'default' });
        await Promise.all(pods.items.map((p) => client!.delete('pods', p.metadata.name!, { namespace: 'default', gracePeriodSeconds: 0 }).catch(() => {})));
        await waitFor('every pod to be gone', async () => (await client!.list<Pod>('pods', { namespace: 'default' })).items.length === 0, 30_000, 200);
      } catch {
        // fall through to the runtime-level cleanup
      }
    }
    if (agent && agent.exitCode === null) {
      agent.kill('SIGKILL');
      await waitExit(agent);
    }
    if (runtime) {
      try {
        const sbs = await runtime.listPodSandbox({});
        for (const s of sbs.items) {
          await runtime.stopPodSandbox({ podSandboxId: s.id }).catch(() => {});
          await runtime.removePodSandbox({ podSandboxId: s.id }).catch(() => {});
        }
      } catch {
        // the runtime is gone already
      }
      runtime.close();
    }
    if (runtimeProc && runtimeProc.exitCode === null) {
      runtimeProc.kill('SIGTERM');
      await Promise.race([waitExit(runtimeProc), new Promise((r) => setTimeout(r, 5000))]);
      if (runtimeProc.exitCode === null) {
        runtimeProc.kill('SIGKILL');
        await waitExit(runtimeProc);
      }
    }
    for (const f of cleanups.reverse()) await Promise.resolve(f()).catch(() => {});
    await removeNodeLeftovers(bridge, rootDir, cgroupParent.slice(1));
    logStream.end();
    if (!process.env.FLOTILLA_KEEP_E2E) rmSync(rootDir, { recursive: true, force: true });
  };

  try {
    const cp = await startControlPlane();
    cleanups.push(() => cp.stop());
    client = new ApiClient({ server: cp.url, token: cp.token, ca: cp.caPem });
    cleanups.push(() => client!.close());

    await importBusybox(rootDir);

    const rtLog = createWriteStream(path.join(rootDir, 'runtime.log'));
    runtimeProc = spawn(process.execPath, [BIN, 'runtime', '--socket', socket, '--root-dir', path.join(rootDir, 'runtime'), '--cgroup-parent', cgroupParent, '--bridge', bridge], { stdio: ['ignore', 'pipe', 'pipe'] });
    runtimeProc.stdout!.pipe(rtLog);
    runtimeProc.stderr!.pipe(rtLog);
    runtime = await RuntimeClient.connect(socket, 20_000);

    const agentArgs = [
      BIN, 'agent', '--server', cp.url, '--token', cp.token, '--ca', cp.caFile, '--node-name', nodeName,
      '--root-dir', rootDir, '--runtime-socket', socket, '--cgroup-parent', cgroupParent,
      '--address', '127.0.0.1', '--port', '0', '--pod-cidr', '10.244.240.0/24',
    ];
    const node: AgentNode = {
      client, runtime, nodeName, rootDir, socket, cgroupParent,
      agentPid: () => (agent && agent.exitCode === null ? agent.pid : undefined),
      runtimePid: () => (runtimeProc && runtimeProc.exitCode === null ? runtimeProc.pid : undefined),
      agentLog: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
      async startAgent() {
        const child = spawn(process.execPath, agentArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
        agent = child;
        child.stdout!.pipe(logStream, { end: false });
        let buf = '';
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`flotilla agent did not log "agent ready" within 30 s; its log:\n${buf.slice(-3000)}`)), 30_000);
          child.stderr!.on('data', (d: Buffer) => {
            logStream.write(d);
            if (buf.length < 1e6) buf += d.toString();
            if (buf.includes('"agent ready"')) {
              clearTimeout(timer);
              resolve();
            }
          });
          child.once('exit', (code, sig) => {
            clearTimeout(timer);
            reject(new Error(`flotilla agent exited (${sig ?? code}) before it was ready; its log:\n${buf.slice(-3000)}`));
          });
        });
      },
      async killAgent() {
        if (!agent || agent.exitCode !== null) return;
        agent.kill('SIGKILL');
        await waitExit(agent);
      },
      stop,
    };
    await node.startAgent();
    return node;
  } catch (e) {
    await stop();
    throw e;
  }
}

/** getPod reads a pod, or undefined when it is gone. */
export async function getPod(client: ApiClient, name: string): Promise<Pod | undefined> {
  try {
    return await client.get<Pod>('pods', name, 'default');
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}
