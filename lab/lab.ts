/**
 * The one-machine multi-node lab: a control plane on this machine and N lab hosts, each a network
 * namespace on the lab bridge running its own runtime and agent with its own root dir and cgroup
 * parent. `labUp` starts everything detached and returns once every node is Ready; `labDown` stops
 * it all and removes every namespace, veth, bridge, cgroup, mount and file it made.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient } from '../api/client.js';
import { loadClientConfig } from '../api/config.js';
import type { Node } from '../api/types.js';
import { RuntimeClient } from '../runtime/client.js';
import { buildBusyboxImage } from '../runtime/images/example-image.js';
import { removeCgroupTree, unmountUnder } from './cleanup.js';
import { isAlive, run, startDaemon, stopProcess, waitFor } from './exec.js';
import { LAB_GATEWAY, createHost, ensureBridge, labHost, removeBridge, removeHost, setLink, setPodRoutes } from './host-network.js';

/** LAB_CGROUP_PARENT is the cgroup every lab node's pods live under. */
export const LAB_CGROUP_PARENT = 'flotilla-lab';
/** DEFAULT_LAB_DIR keeps the lab's state, logs and node root dirs. */
export const DEFAULT_LAB_DIR = '/var/lib/flotilla/lab';

const FLOTILLA_BIN = resolve(fileURLToPath(import.meta.url), '../../../bin/flotilla');

/** LabNodeState is what the lab remembers of one node. */
export interface LabNodeState {
  name: string;
  index: number;
  address: string;
  rootDir: string;
  socket: string;
  runtimePid?: number;
  agentPid?: number;
}

/** LabState is the lab's record on disk (`<dir>/lab.json`). */
export interface LabState {
  dataDir: string;
  port: number;
  serverPid?: number;
  configPath: string;
  nodes: LabNodeState[];
}

/** LabOptions configure `lab up`. */
export interface LabOptions {
  nodes: number;
  dataDir?: string;
  port?: number;
  log?: (line: string) => void;
}

function statePath(dataDir: string): string {
  return join(dataDir, 'lab.json');
}

/** readLabState loads the lab record, or undefined when no lab was made in dataDir. */
export function readLabState(dataDir = DEFAULT_LAB_DIR): LabState | undefined {
  const p = statePath(dataDir);
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as LabState) : undefined;
}

function writeLabState(s: LabState): void {
  writeFileSync(statePath(s.dataDir), `${JSON.stringify(s, null, 2)}\n`);
}

function flotilla(args: string[], netns?: string): [string, string[]] {
  const cmd = [process.execPath, FLOTILLA_BIN, ...args];
  // nsenter changes only the network namespace: mounts stay visible (and cleanable) from this machine.
  return netns ? ['nsenter', [`--net=/run/netns/${netns}`, ...cmd]] : [cmd[0], cmd.slice(1)];
}

/** labClient makes an API client from the lab's config. */
export function labClient(state: LabState): ApiClient {
  return ApiClient.fromConfig(loadClientConfig({ configPath: state.configPath }));
}

/** EXAMPLE_TAGS: the example image is imported under two tags so that a rollout between them can be tried. */
export const EXAMPLE_TAGS = ['busybox:latest', 'busybox:v2'];

/** startNodeDaemons starts a node's runtime, waits for its socket, then starts its agent. */
export async function startNodeDaemons(state: LabState, node: LabNodeState): Promise<void> {
  const h = labHost(node.index);
  const cgroupParent = `/${LAB_CGROUP_PARENT}/${h.name}`;
  const [rcmd, rargs] = flotilla(['runtime', '--socket', node.socket, '--root-dir', join(node.rootDir, 'runtime'), '--cgroup-parent', cgroupParent], h.netns);
  rmSync(node.socket, { force: true });
  node.runtimePid = startDaemon(rcmd, rargs, join(node.rootDir, 'runtime.log'));
  writeLabState(state);
  await waitFor(`the runtime of ${h.name} to serve ${node.socket}`, 30_000, () => {
    if (!isAlive(node.runtimePid)) throw new Error(`the runtime of ${h.name} exited; see ${join(node.rootDir, 'runtime.log')}`);
    return existsSync(node.socket) || undefined;
  });
  const token = readFileSync(join(state.dataDir, 'token'), 'utf8');
  const [acmd, aargs] = flotilla([
    'agent', '--server', `https://${LAB_GATEWAY}:${state.port}`, '--token', token, '--ca', join(state.dataDir, 'ca.crt'),
    '--node-name', h.name, '--root-dir', join(node.rootDir, 'agent'), '--runtime-socket', node.socket,
    '--cgroup-parent', cgroupParent, '--address', h.address,
  ], h.netns);
  node.agentPid = startDaemon(acmd, aargs, join(node.rootDir, 'agent.log'));
  writeLabState(state);
}

/** killNode simulates a host failure: kill -9 of its agent and runtime, and its link cut. Containers keep running. */
export async function killNode(state: LabState, name: string): Promise<void> {
  const node = state.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`no lab node named ${name}`);
  for (const pid of [node.agentPid, node.runtimePid]) if (isAlive(pid)) process.kill(pid!, 'SIGKILL');
  await waitFor(`the agent and runtime of ${name} to die`, 10_000, () => (!isAlive(node.agentPid) && !isAlive(node.runtimePid)) || undefined, 50);
  await setLink(labHost(node.index), false);
}

/** reviveNode restores a killed node: its link comes back up and its runtime and agent start again. */
export async function reviveNode(state: LabState, name: string): Promise<void> {
  const node = state.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`no lab node named ${name}`);
  await setLink(labHost(node.index), true);
  await startNodeDaemons(state, node);
  const client = labClient(state);
  try {
    await routePodCidrs(state, client);
  } finally {
    client.close();
  }
}

/** routePodCidrs routes each lab host's pod CIDR (from its Node object) to that host, on every host. */
async function routePodCidrs(state: LabState, client: ApiClient): Promise<void> {
  const nodes = (await client.list<Node>('nodes')).items;
  const routes = state.nodes.flatMap((n) => {
    const cidr = nodes.find((x) => x.metadata.name === n.name)?.spec?.podCIDR;
    return cidr ? [{ cidr, address: n.address }] : [];
  });
  for (const n of state.nodes) await setPodRoutes(labHost(n.index), routes);
}

/** labUp brings a lab of opts.nodes nodes up and resolves with its state once all are Ready. */
export async function labUp(opts: LabOptions): Promise<LabState> {
  const log = opts.log ?? (() => {});
  const dataDir = resolve(opts.dataDir ?? DEFAULT_LAB_DIR);
  const port = opts.port ?? 6443;
  if (!Number.isInteger(opts.nodes) || opts.nodes < 1 || opts.nodes > 50) throw new Error(`--nodes must be a whole number from 1 to 50, not ${opts.nodes}`);
  const old = readLabState(dataDir);
  if (old && (isAlive(old.serverPid) || old.nodes.some((n) => isAlive(n.agentPid)))) {
    throw new Error(`a lab is already up in ${dataDir}; run \`flotilla lab down\` first`);
  }
  mkdirSync(dataDir, { recursive: true });
  const state: LabState = { dataDir, port, configPath: join(dataDir, 'server', 'flotctl.yaml'), nodes: [] };
  writeLabState(state);

  log(`lab: network: bridge fltlab0 (${LAB_GATEWAY}/24) and ${opts.nodes} host namespaces`);
  await ensureBridge();
  for (let i = 1; i <= opts.nodes; i++) await createHost(labHost(i));

  log(`lab: control plane on port ${port} (logs: ${join(dataDir, 'server.log')})`);
  rmSync(state.configPath, { force: true });
  const [scmd, sargs] = flotilla(['server', '--listen', `0.0.0.0:${port}`, '--data-dir', join(dataDir, 'server')]);
  state.serverPid = startDaemon(scmd, sargs, join(dataDir, 'server.log'));
  writeLabState(state);
  await waitFor('the API server to write its client config', 60_000, () => {
    if (!isAlive(state.serverPid)) throw new Error(`the API server exited; see ${join(dataDir, 'server.log')}`);
    return existsSync(state.configPath) || undefined;
  });
  const cfg = loadClientConfig({ configPath: state.configPath });
  // The server may advertise its listen address; on this machine we reach it on loopback.
  writeFileSync(state.configPath, readFileSync(state.configPath, 'utf8').replace(/^server:.*$/m, `server: https://127.0.0.1:${port}`));
  const client = labClient(state);
  await waitFor('the API server to be ready', 60_000, () => client.request('GET', '/readyz').then(() => true));

  const images: string[] = [];
  mkdirSync(join(dataDir, 'images'), { recursive: true });
  for (const tag of EXAMPLE_TAGS) {
    const file = join(dataDir, 'images', `${tag.replace(/[^a-z0-9.]+/g, '-')}.tar`);
    if (!existsSync(file)) {
      log(`lab: building the example image ${tag} from busybox-static`);
      await buildBusyboxImage(file, { tag });
    }
    images.push(file);
  }
  writeFileSync(join(dataDir, 'ca.crt'), cfg.ca ?? '');
  writeFileSync(join(dataDir, 'token'), cfg.token ?? '', { mode: 0o600 });
  for (let i = 1; i <= opts.nodes; i++) {
    const h = labHost(i);
    const rootDir = join(dataDir, 'nodes', h.name);
    const node: LabNodeState = { name: h.name, index: i, address: h.address, rootDir, socket: join(rootDir, 'runtime.sock') };
    mkdirSync(rootDir, { recursive: true });
    log(`lab: ${h.name}: importing the example image, starting runtime and agent (${h.address})`);
    for (const image of images) {
      const [icmd, iargs] = flotilla(['runtime', 'import', image, '--root-dir', join(rootDir, 'runtime')]);
      await run(icmd, iargs);
    }
    state.nodes.push(node);
    await startNodeDaemons(state, node);
  }

  await waitFor(`${opts.nodes} lab nodes to be Ready with a pod CIDR`, 120_000, async () => {
    for (const n of state.nodes) {
      if (!isAlive(n.agentPid)) throw new Error(`the agent of ${n.name} exited; see ${join(n.rootDir, 'agent.log')}`);
    }
    const nodes = await client.list<Node>('nodes');
    const ready = nodes.items.filter((n) => n.spec?.podCIDR && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
    return ready.length >= opts.nodes || undefined;
  }, 500);
  await routePodCidrs(state, client);
  client.close();
  log(`lab: ${opts.nodes} nodes Ready; export FLOTILLA_CONFIG=${state.configPath}`);
  return state;
}

/** labDown stops the lab in dataDir and removes everything it made; it also cleans a half-made lab. */
export async function labDown(opts: { dataDir?: string; nodes?: number; keepData?: boolean; log?: (line: string) => void } = {}): Promise<void> {
  const log = opts.log ?? (() => {});
  const dataDir = resolve(opts.dataDir ?? DEFAULT_LAB_DIR);
  const state = readLabState(dataDir);
  const nodes = state?.nodes ?? [];
  for (const n of nodes) await stopProcess(n.agentPid);
  for (const n of nodes) {
    if (isAlive(n.runtimePid) && existsSync(n.socket)) {
      log(`lab: ${n.name}: removing its pods`);
      await removeAllSandboxes(n.socket).catch((err) => log(`lab: ${n.name}: ${err instanceof Error ? err.message : String(err)}`));
    }
    await stopProcess(n.runtimePid);
  }
  await stopProcess(state?.serverPid, 15_000);
  const count = Math.max(opts.nodes ?? 0, nodes.length, ...nodes.map((n) => n.index));
  for (let i = 1; i <= count; i++) await removeHost(labHost(i));
  await removeBridge();
  await unmountUnder(dataDir);
  await removeCgroupTree(LAB_CGROUP_PARENT);
  if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true });
  log('lab: down; nothing left behind');
}

async function removeAllSandboxes(socket: string): Promise<void> {
  const rt = new RuntimeClient(socket);
  try {
    const { items } = await rt.listPodSandbox({});
    for (const sb of items) {
      await rt.stopPodSandbox({ podSandboxId: sb.id });
      await rt.removePodSandbox({ podSandboxId: sb.id });
    }
  } finally {
    rt.close();
  }
}

/** labStatus reports each part of the lab: running or not, and each node's API status. */
export async function labStatus(dataDir = DEFAULT_LAB_DIR): Promise<string> {
  const state = readLabState(resolve(dataDir));
  if (!state) return `no lab in ${dataDir}\n`;
  const lines = [`control plane  pid ${state.serverPid ?? '-'}  ${isAlive(state.serverPid) ? 'running' : 'stopped'}  https://127.0.0.1:${state.port}`];
  let apiNodes: Node[] = [];
  if (isAlive(state.serverPid)) {
    const client = labClient(state);
    apiNodes = await client.list<Node>('nodes').then((l) => l.items, () => []);
    client.close();
  }
  for (const n of state.nodes) {
    const api = apiNodes.find((x) => x.metadata.name === n.name);
    const ready = api?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
    const status = ready === 'True' ? 'Ready' : api ? 'NotReady' : 'unregistered';
    lines.push(
      `${n.name.padEnd(14)} ${n.address.padEnd(13)} agent ${isAlive(n.agentPid) ? 'running' : 'stopped'}  runtime ${isAlive(n.runtimePid) ? 'running' : 'stopped'}  ${status}  podCIDR ${api?.spec?.podCIDR ?? '-'}`,
    );
  }
  lines.push(`config: export FLOTILLA_CONFIG=${state.configPath}`);
  return `${lines.join('\n')}\n`;
}
