/**
 * containers.ts: the container lifecycle inside a sandbox. CreateContainer prepares the rootfs
 * from the image store, writes config.json and creates the container with the OCI runtime;
 * Start, Stop (SIGTERM, grace, SIGKILL), Remove, Status, Stats and ExecSync follow CRI's
 * meanings. Exit facts are copied into the record once known, so they outlive the runtime.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, isAbsolute, normalize } from 'node:path';
import type { Container, ContainerConfig, ContainerFilter, ContainerState, ContainerStats, ContainerStatusResponse, PodSandboxConfig, StringMap } from '../proto/types.js';
import { RECORD_VERSION, type ContainerRecord, type SandboxRecord } from '../state/records.js';
import { generateSpec } from '../oci/spec.js';
import { LOST_EXIT_CODE } from '../oci/lifecycle.js';
import { RuntimeServiceError, invalid, notFound } from '../service/errors.js';
import { containerSpecInput, resolveUser } from './container-spec.js';
import { containerMatches, containerStateOf, exitReason, uniqueIdPrefix } from './status.js';
import { type RuntimeContext, newId, nowNs, errorText } from './context.js';
import type { SandboxManager } from './sandboxes.js';
import type { ExitInfo } from './deps.js';
import { StepTimer } from './step-timer.js';

/** EXEC_OUTPUT_CAP is the most ExecSync returns of each stream, as CRI asks. */
export const EXEC_OUTPUT_CAP = 16 * 1024 * 1024;

/** STOP_KILL_WAIT_MS is how long StopContainer waits for the process to die after SIGKILL. */
export const STOP_KILL_WAIT_MS = 10_000;

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** logPathOf joins the sandbox's log directory and the container's log_path (absolute), or a default. */
export function logPathOf(sandboxConfig: PodSandboxConfig, config: ContainerConfig, containerDir: string): string {
  const rel = config.logPath ?? '';
  if (!rel) return join(containerDir, 'container.log');
  if (isAbsolute(rel)) return rel;
  const base = sandboxConfig.logDirectory || containerDir;
  const p = normalize(join(base, rel));
  if (!p.startsWith(normalize(base) + '/')) throw invalid('config.log_path', `"${rel}" leaves the log directory`);
  return p;
}

/** ContainerManager implements the container RPCs over the shared runtime context. */
export class ContainerManager {
  /** making holds the containers whose CreateContainer is under way: their OCI state may not exist yet. */
  private readonly making = new Set<string>();

  constructor(private readonly ctx: RuntimeContext, private readonly sandboxes: SandboxManager) {}

  /** resolveId finds a container by full id or unique prefix. */
  resolveId(idOrPrefix: string): string | undefined {
    if (!idOrPrefix) return undefined;
    if (this.ctx.store.getContainer(idOrPrefix)) return idOrPrefix; // the agent's case: no scan of every container
    return uniqueIdPrefix(this.ctx.store.listContainers().map((c) => c.id), idOrPrefix).id;
  }

  /** get returns the record or throws NOT_FOUND. */
  get(id: string): ContainerRecord {
    if (!id) throw invalid('container_id', 'required');
    const full = this.resolveId(id);
    const rec = full ? this.ctx.store.getContainer(full) : undefined;
    if (!rec) throw notFound('container', id);
    return rec;
  }

  /** create makes a container (not started) in a ready sandbox and returns its id. */
  async create(sandboxId: string, config: ContainerConfig | null | undefined): Promise<string> {
    if (!config) throw invalid('config', 'required');
    if (!config.metadata?.name) throw invalid('config.metadata.name', 'required');
    if (!config.image?.image) throw invalid('config.image.image', 'required');
    const sb = this.sandboxes.get(sandboxId);
    return this.ctx.locks.run(sb.id, async () => {
      const sandbox = this.ctx.store.getSandbox(sb.id);
      if (!sandbox) throw notFound('pod sandbox', sandboxId);
      if (sandbox.state !== 'SANDBOX_READY' || !sandbox.namespaces) {
        throw new RuntimeServiceError('FLT_ERR_RUNTIME_STATE', `pod sandbox ${sandbox.id} is not ready (stopped or half-made); create a new one`);
      }
      const name = config.metadata!.name!;
      const attempt = config.metadata!.attempt ?? 0;
      const dup = this.ctx.store.listContainers(sandbox.id).find((c) => c.config.metadata?.name === name && (c.config.metadata?.attempt ?? 0) === attempt);
      if (dup) throw new RuntimeServiceError('FLT_ERR_RUNTIME_EXISTS', `container "${name}" attempt ${attempt} already exists in pod sandbox ${sandbox.id} as ${dup.id}`);

      // Resolved now, so the first record (the one a crash leaves for cleanup) already holds the
      // image id and rootfs a restart reports: no second save once the container is made.
      const imageId = this.ctx.deps.images.resolveImage(config.image!.image!);
      const id = newId();
      // The bundle (config.json, the rootfs mount point) is on the volatile tmpfs: a reboot ends the
      // mount anyway, and each file made on this disk costs a scan of recently deleted inodes. The
      // container's writes (overlay upper and work) and its default log stay on disk, in store.containerDir.
      const bundle = join(this.ctx.runDir, 'containers', id);
      const dir = this.ctx.store.containerDir(id);
      const rec: ContainerRecord = {
        version: RECORD_VERSION,
        id,
        sandboxId: sandbox.id,
        createdAt: nowNs(),
        startedAt: 0,
        config,
        image: config.image!.image!,
        imageRef: imageId,
        imageId,
        bundle,
        rootfs: join(bundle, 'rootfs'),
        logPath: logPathOf(sandbox.config, config, dir),
        cgroupPath: `${sandbox.cgroupPath}/${id.slice(0, 16)}`,
        exit: null,
      };
      // Listed from here on: a RemoveContainer of it waits for the create (the rootfs is no longer serialised by the image store).
      this.making.add(id);
      return this.ctx.locks.run(id, () => this.make(rec, sandbox, config)).finally(() => this.making.delete(id));
    });
  }

  /** make prepares the rootfs, writes config.json and creates the OCI container of a new record, undoing all on failure. */
  private async make(rec: ContainerRecord, sandbox: SandboxRecord, config: ContainerConfig): Promise<string> {
    const { id, bundle: dir } = rec;
    const rwDir = this.ctx.store.containerDir(id);
    const timer = new StepTimer(`CreateContainer ${id.slice(0, 12)}`);
    this.ctx.store.saveContainer(rec);
    let rootfsPrepared = false;
    let ociCreated = false;
    try {
      const prepared = await this.ctx.deps.images.prepareRootfs(rec.imageId, id, dir, rwDir);
      rootfsPrepared = true;
      timer.mark('rootfs');
      const changed = prepared.rootfs !== rec.rootfs || prepared.imageId !== rec.imageId;
      rec.rootfs = prepared.rootfs;
      rec.imageId = prepared.imageId;
      rec.imageRef = prepared.imageId;
      const sc = config.linux?.securityContext;
      const user = resolveUser(prepared.config.user, () => readOr(join(prepared.rootfs, 'etc/passwd')), () => readOr(join(prepared.rootfs, 'etc/group')));
      if (sc?.runAsUser) user.uid = sc.runAsUser.value;
      if (sc?.runAsGroup) user.gid = sc.runAsGroup.value;
      const spec = generateSpec(containerSpecInput({
        config,
        image: prepared.config,
        user,
        rootfs: prepared.rootfs,
        namespaces: sandbox.namespaces!,
        cgroupsPath: rec.cgroupPath,
        hostsPath: join(sandbox.dir, 'hosts'),
        resolvConfPath: join(sandbox.dir, 'resolv.conf'),
        shmPath: join(sandbox.dir, 'shm'),
      }));
      writeFileSync(join(dir, 'config.json'), JSON.stringify(spec));
      mkdirSync(dirname(rec.logPath), { recursive: true });
      timer.mark('spec');
      await this.ctx.deps.oci.create(id, dir, { logPath: rec.logPath, config: spec });
      ociCreated = true;
      timer.mark('oci-create');
      if (changed) this.ctx.store.saveContainer(rec);
      timer.done(this.ctx.log);
      return id;
    } catch (err) {
      if (ociCreated) await this.ctx.deps.oci.delete(id, { force: true }).catch(() => undefined);
      if (rootfsPrepared) await this.ctx.deps.images.releaseRootfs(id, dir, rwDir).catch((e) => this.ctx.log(`container ${id}: release rootfs: ${errorText(e)}`));
      rmSync(dir, { recursive: true, force: true });
      this.ctx.store.deleteContainer(id);
      if ((err as { code?: string }).code === 'FLT_ERR_OCI_SPEC') throw invalid('config', errorText(err));
      throw err;
    }
  }

  /** start starts a created container. */
  async start(id: string): Promise<void> {
    const rec = this.get(id);
    await this.ctx.locks.run(rec.id, async () => {
      const notCreated = (state: ContainerState): RuntimeServiceError =>
        new RuntimeServiceError('FLT_ERR_RUNTIME_STATE', `container ${rec.id} is ${state.replace('CONTAINER_', '').toLowerCase()}, not created; only a created container can be started`);
      if (rec.exit) throw notCreated('CONTAINER_EXITED');
      rec.startedAt = nowNs();
      try {
        // The OCI start checks that the container is created: its live state is asked only when it is not.
        await this.ctx.deps.oci.start(rec.id);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'FLT_ERR_OCI_STATE' || code === 'FLT_ERR_OCI_NOT_FOUND') {
          rec.startedAt = 0;
          const state = await this.liveState(rec);
          if (state !== 'CONTAINER_CREATED') throw notCreated(state);
        }
        throw err;
      }
      this.ctx.store.saveContainer(rec);
    });
  }

  /** stop sends SIGTERM, waits up to timeoutSec, then SIGKILL; a stopped or unknown container succeeds. */
  async stop(id: string, timeoutSec: number): Promise<void> {
    if (!id) throw invalid('container_id', 'required');
    const full = this.resolveId(id);
    if (!full) return;
    await this.ctx.locks.run(full, async () => {
      const rec = this.ctx.store.getContainer(full);
      if (!rec || rec.exit) return;
      const st = await this.ctx.deps.oci.state(rec.id);
      if (!st) return;
      let exit: ExitInfo | undefined;
      if (st.status !== 'stopped') {
        if (timeoutSec > 0 && st.status === 'running') {
          await this.ctx.deps.oci.kill(rec.id, 'SIGTERM').catch(() => undefined);
          exit = await this.ctx.deps.oci.wait(rec.id, timeoutSec * 1000);
        }
        if (!exit) {
          await this.ctx.deps.oci.kill(rec.id, 'SIGKILL').catch(() => undefined);
          exit = await this.ctx.deps.oci.wait(rec.id, STOP_KILL_WAIT_MS);
          if (!exit) throw new RuntimeServiceError('FLT_ERR_RUNTIME_TIMEOUT', `container ${rec.id} did not exit within ${STOP_KILL_WAIT_MS} ms of SIGKILL`);
        }
      } else {
        exit = await this.ctx.deps.oci.wait(rec.id, 0);
      }
      if (exit) this.recordExit(rec, exit);
    });
  }

  /** remove kills (if needed) and deletes the container, its rootfs and record; unknown ids succeed. */
  async remove(id: string): Promise<void> {
    if (!id) throw invalid('container_id', 'required');
    const full = this.resolveId(id);
    if (!full) return;
    await this.stop(full, 0);
    await this.ctx.locks.run(full, async () => {
      const rec = this.ctx.store.getContainer(full);
      if (!rec) return;
      await this.ctx.deps.oci.delete(rec.id, { force: true });
      // Always: a crash during CreateContainer may have mounted the rootfs before recording it.
      await this.ctx.deps.images.releaseRootfs(rec.id, rec.bundle, this.ctx.store.containerDir(rec.id));
      if (this.ctx.deps.cgroups.exists(rec.cgroupPath)) await this.ctx.deps.cgroups.remove(rec.cgroupPath, 5000);
      // The bundle: on the tmpfs, or (a record of an older runtime) the container dir deleteContainer removes.
      rmSync(rec.bundle, { recursive: true, force: true });
      this.ctx.store.deleteContainer(rec.id);
    });
  }

  private recordExit(rec: ContainerRecord, e: ExitInfo): void {
    const r = exitReason(e);
    rec.exit = {
      exitCode: r.exitCode,
      signal: e.signal,
      finishedAt: e.finishedAt || nowNs(),
      oomKilled: e.oomKilled,
      reason: r.reason,
      message: r.message,
    };
    if (!rec.startedAt && e.startedAt) rec.startedAt = e.startedAt;
    this.ctx.store.saveContainer(rec);
  }

  /** liveState asks the OCI runtime, recording the exit the first time a container is seen stopped. */
  private async liveState(rec: ContainerRecord): Promise<ContainerState> {
    if (rec.exit) return 'CONTAINER_EXITED';
    const st = await this.ctx.deps.oci.state(rec.id).catch(() => null);
    if (st === undefined && !this.making.has(rec.id)) {
      // No OCI state for a made container: the volatile dir went with a reboot, and its process with it.
      this.recordExit(rec, { exitCode: LOST_EXIT_CODE, signal: null, startedAt: 0, finishedAt: nowNs(), oomKilled: false });
      return 'CONTAINER_EXITED';
    }
    if (st?.status === 'stopped') {
      const exit = await this.ctx.deps.oci.wait(rec.id, 0).catch(() => undefined);
      if (exit) this.recordExit(rec, exit);
      return 'CONTAINER_EXITED';
    }
    return containerStateOf(st?.status, false);
  }

  /** status builds ContainerStatusResponse; verbose adds pid, bundle, rootfs, cgroup and config. */
  async status(id: string, verbose = false): Promise<ContainerStatusResponse> {
    const rec = this.get(id);
    return this.statusOf(rec, await this.liveState(rec), verbose);
  }

  /** statusesIn gives the status of every container of a sandbox, asking each one's live state once. */
  async statusesIn(sandboxId: string): Promise<ContainerStatusResponse['status'][]> {
    const out: ContainerStatusResponse['status'][] = [];
    for (const rec of this.ctx.store.listContainers(sandboxId)) out.push((await this.statusOf(rec, await this.liveState(rec), false)).status);
    return out;
  }

  private async statusOf(rec: ContainerRecord, state: ContainerState, verbose: boolean): Promise<ContainerStatusResponse> {
    const info: StringMap = {};
    if (verbose) {
      const st = await this.ctx.deps.oci.state(rec.id).catch(() => undefined);
      info.pid = String(st?.pid ?? 0);
      info.sandboxID = rec.sandboxId;
      info.bundle = rec.bundle;
      info.rootfs = rec.rootfs;
      info.cgroup = rec.cgroupPath;
      info.config = JSON.stringify(rec.config);
    }
    const c = rec.config;
    return {
      status: {
        id: rec.id,
        metadata: { name: c.metadata?.name ?? '', attempt: c.metadata?.attempt ?? 0 },
        state,
        createdAt: rec.createdAt,
        startedAt: rec.startedAt,
        finishedAt: rec.exit?.finishedAt ?? 0,
        exitCode: rec.exit?.exitCode ?? 0,
        image: { image: rec.image, annotations: {}, userSpecifiedImage: rec.image },
        imageRef: rec.imageRef,
        reason: rec.exit?.reason ?? '',
        message: rec.exit?.message ?? '',
        labels: c.labels ?? {},
        annotations: c.annotations ?? {},
        mounts: c.mounts ?? [],
        logPath: rec.logPath,
        resources: { linux: c.linux?.resources ?? null },
        imageId: rec.imageId,
      },
      info,
    };
  }

  /** list returns the containers matching the filter. */
  async list(filter: ContainerFilter | null | undefined): Promise<Container[]> {
    const out: Container[] = [];
    // The live state costs file reads per container: only the containers the other criteria keep pay it.
    const rest = filter ? { ...filter, state: null } : filter;
    for (const rec of this.ctx.store.listContainers()) {
      if (!containerMatches({ id: rec.id, sandboxId: rec.sandboxId, state: 'CONTAINER_UNKNOWN', labels: rec.config.labels }, rest)) continue;
      const state = await this.liveState(rec);
      if (filter?.state && filter.state.state !== state) continue;
      out.push({
        id: rec.id,
        podSandboxId: rec.sandboxId,
        metadata: { name: rec.config.metadata?.name ?? '', attempt: rec.config.metadata?.attempt ?? 0 },
        image: { image: rec.image, annotations: {}, userSpecifiedImage: rec.image },
        imageRef: rec.imageRef,
        state,
        createdAt: rec.createdAt,
        labels: rec.config.labels ?? {},
        annotations: rec.config.annotations ?? {},
        imageId: rec.imageId,
      });
    }
    return out;
  }

  /** stats reads CPU and memory usage from the container's cgroup. */
  async stats(id: string): Promise<ContainerStats> {
    const rec = this.get(id);
    const ts = nowNs();
    const attributes = { id: rec.id, metadata: { name: rec.config.metadata?.name ?? '', attempt: rec.config.metadata?.attempt ?? 0 }, labels: rec.config.labels ?? {}, annotations: rec.config.annotations ?? {} };
    if (!this.ctx.deps.cgroups.exists(rec.cgroupPath)) {
      return { attributes, cpu: { timestamp: ts, usageCoreNanoSeconds: { value: 0 }, usageNanoCores: null }, memory: { timestamp: ts, workingSetBytes: { value: 0 }, availableBytes: null, usageBytes: { value: 0 }, rssBytes: null, pageFaults: null, majorPageFaults: null }, writableLayer: null };
    }
    const s = this.ctx.deps.cgroups.stats(rec.cgroupPath);
    const limited = s.memoryLimitBytes < Number.MAX_SAFE_INTEGER;
    return {
      attributes,
      cpu: { timestamp: ts, usageCoreNanoSeconds: { value: s.cpuUsageNs }, usageNanoCores: null },
      memory: {
        timestamp: ts,
        workingSetBytes: { value: s.memoryBytes },
        availableBytes: limited ? { value: Math.max(0, s.memoryLimitBytes - s.memoryBytes) } : null,
        usageBytes: { value: s.memoryBytes },
        rssBytes: null,
        pageFaults: null,
        majorPageFaults: null,
      },
      writableLayer: null,
    };
  }

  /** execSync runs cmd in the running container with its env and cwd; timeoutSec 0 means none. */
  async execSync(id: string, cmd: string[], timeoutSec: number): Promise<{ stdout: Buffer; stderr: Buffer; exitCode: number }> {
    if (!cmd || cmd.length === 0 || !cmd[0]) throw invalid('cmd', 'required (the command and its arguments)');
    const rec = this.get(id);
    const st = await this.ctx.deps.oci.state(rec.id).catch(() => undefined);
    if (rec.exit || st?.status !== 'running' || !st.pid) {
      throw new RuntimeServiceError('FLT_ERR_RUNTIME_STATE', `container ${rec.id} is not running; ExecSync needs a running container`);
    }
    let env: string[] | undefined;
    let cwd: string | undefined;
    try {
      const spec = JSON.parse(readFileSync(join(rec.bundle, 'config.json'), 'utf8')) as { process?: { env?: string[]; cwd?: string } };
      env = spec.process?.env;
      cwd = spec.process?.cwd;
    } catch {
      // the process's own environment is the fallback
    }
    const res = await this.ctx.deps.exec.exec({
      pid: st.pid,
      cmd,
      env,
      cwd,
      cgroupDirs: this.ctx.deps.cgroups.dirs(rec.cgroupPath),
      timeoutMs: timeoutSec > 0 ? timeoutSec * 1000 : undefined,
    });
    if (res.timedOut) {
      throw new RuntimeServiceError('FLT_ERR_RUNTIME_TIMEOUT', `command ${JSON.stringify(cmd)} in container ${rec.id} timed out after ${timeoutSec}s`);
    }
    // CRI caps each stream at 16 MiB (CVE-2022-1708); the rest is dropped, the command still succeeds.
    const cap = (b: Buffer): Buffer => (b.length > EXEC_OUTPUT_CAP ? b.subarray(0, EXEC_OUTPUT_CAP) : b);
    return { stdout: cap(res.stdout), stderr: cap(res.stderr), exitCode: res.exitCode };
  }
}
