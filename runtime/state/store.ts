/**
 * store.ts: the runtime's on-disk state. Every sandbox and container record is a line in one
 * append-only log, `<root>/records.log` (record-log.ts: crash-safe, and no new file per save);
 * an in-memory copy answers reads. A restarted runtime calls load() and knows every object again.
 * Records an older runtime wrote as `<root>/{sandboxes,containers}/<id>/*.json` are moved into the log.
 */
import { mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RECORD_VERSION, type ContainerRecord, type SandboxRecord } from './records.js';
import { RecordLog } from './record-log.js';

/** RECORD_LOG is the file, under the root, that holds every record. */
export const RECORD_LOG = 'records.log';

/** StateError is a state file that cannot be read or written; the message names the file. */
export class StateError extends Error {
  readonly code = 'FLT_ERR_STATE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StateError';
  }
}

/** readRecordFile reads an older runtime's record file, falling back to the `<path>.new` it left after a crash. */
export function readRecordFile(path: string): string | undefined {
  for (const p of [path, `${path}.new`]) {
    try {
      return readFileSync(p, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return undefined;
}

/** StateStore keeps sandbox and container records in `<root>/records.log`; container dirs are `<root>/containers/<id>`. */
export class StateStore {
  readonly sandboxesDir: string;
  readonly containersDir: string;
  private readonly log: RecordLog;
  private loaded = false;
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly containers = new Map<string, ContainerRecord>();
  /** bySandbox indexes container ids by sandbox: a sandbox's containers are asked for on every status call. */
  private readonly bySandbox = new Map<string, Set<string>>();
  /** skipped lists records load() could not read, with the reason, for the runtime to log. */
  readonly skipped: string[] = [];

  constructor(root: string) {
    this.sandboxesDir = join(root, 'sandboxes');
    this.containersDir = join(root, 'containers');
    this.log = new RecordLog(join(root, RECORD_LOG));
    mkdirSync(this.containersDir, { recursive: true, mode: 0o700 });
  }

  /** load reads every record from disk, replacing what is in memory. */
  load(): void {
    this.sandboxes.clear();
    this.containers.clear();
    this.bySandbox.clear();
    this.skipped.length = 0;
    const { values, bad } = this.log.open();
    this.loaded = true;
    this.skipped.push(...bad);
    for (const [key, value] of values) {
      const rec = this.checked(`${this.log.path} ${key}`, value);
      if (key.startsWith('s/') && rec) this.sandboxes.set(rec.id, rec as SandboxRecord);
      else if (key.startsWith('c/') && rec) this.remember(rec as ContainerRecord);
    }
    this.migrate(this.sandboxesDir, 'sandbox.json', (rec) => this.saveSandbox(rec as SandboxRecord));
    this.migrate(this.containersDir, 'container.json', (rec) => this.saveContainer(rec as ContainerRecord));
  }

  /** migrate moves an older runtime's per-object record files into the log (the log is written first). */
  private migrate(dir: string, file: string, save: (rec: { id: string }) => void): void {
    let ids: string[];
    try {
      ids = readdirSync(dir);
    } catch {
      return;
    }
    for (const id of ids) {
      const path = join(dir, id, file);
      let text: string | undefined;
      try {
        text = readRecordFile(path);
      } catch (err) {
        this.skipped.push(`${path}: ${(err as Error).message}`);
        continue;
      }
      if (text === undefined) continue; // a container dir holding only its overlay dirs or log
      let rec: { id: string } | undefined;
      try {
        rec = this.checked(path, JSON.parse(text));
      } catch (err) {
        this.skipped.push(`${path}: ${(err as Error).message}`);
      }
      if (!rec) continue;
      save(rec);
      rmSync(path, { force: true });
      rmSync(`${path}.new`, { force: true });
      try {
        rmdirSync(join(dir, id)); // only when empty: an old sandbox's files live on in its dir (rec.dir)
      } catch {
        // not empty, or a container dir (its overlay dirs)
      }
    }
  }

  private checked(where: string, rec: unknown): { version: number; id: string } | undefined {
    const r = rec as { version?: unknown; id?: unknown } | null;
    if (r === null || typeof r !== 'object' || r.version !== RECORD_VERSION || typeof r.id !== 'string') {
      this.skipped.push(`${where}: unknown record version ${String(r?.version)}`);
      return undefined;
    }
    return r as { version: number; id: string };
  }

  /** containerDir is the on-disk directory of one container: its overlay upper and work dirs, its default log. */
  containerDir(id: string): string {
    return join(this.containersDir, id);
  }

  /** getSandbox returns the record or undefined. */
  getSandbox(id: string): SandboxRecord | undefined {
    return this.sandboxes.get(id);
  }

  /** getContainer returns the record or undefined. */
  getContainer(id: string): ContainerRecord | undefined {
    return this.containers.get(id);
  }

  /** listSandboxes returns every sandbox record, oldest first. */
  listSandboxes(): SandboxRecord[] {
    return [...this.sandboxes.values()].sort((a, b) => a.createdAt - b.createdAt);
  }

  /** findSandbox returns a sandbox record the predicate holds for (in no particular order), or undefined. */
  findSandbox(match: (rec: SandboxRecord) => boolean): SandboxRecord | undefined {
    for (const rec of this.sandboxes.values()) if (match(rec)) return rec;
    return undefined;
  }

  /** listContainers returns every container record (of one sandbox when given), oldest first. */
  listContainers(sandboxId?: string): ContainerRecord[] {
    const recs = sandboxId === undefined ? [...this.containers.values()] : [...(this.bySandbox.get(sandboxId) ?? [])].map((id) => this.containers.get(id)!);
    return recs.sort((a, b) => a.createdAt - b.createdAt);
  }

  private remember(rec: ContainerRecord): void {
    this.containers.set(rec.id, rec);
    let ids = this.bySandbox.get(rec.sandboxId);
    if (!ids) this.bySandbox.set(rec.sandboxId, (ids = new Set()));
    ids.add(rec.id);
  }

  private opened(): RecordLog {
    if (!this.loaded) this.load();
    return this.log;
  }

  /** saveSandbox writes the record to disk and memory. */
  saveSandbox(rec: SandboxRecord): void {
    this.opened().put(`s/${rec.id}`, rec);
    this.sandboxes.set(rec.id, rec);
  }

  /** saveContainer writes the record to disk and memory. */
  saveContainer(rec: ContainerRecord): void {
    this.opened().put(`c/${rec.id}`, rec);
    this.remember(rec);
  }

  /** deleteSandbox forgets the sandbox. */
  deleteSandbox(id: string): void {
    this.opened().delete(`s/${id}`);
    this.sandboxes.delete(id);
  }

  /** deleteContainer forgets the container and removes its directory. */
  deleteContainer(id: string): void {
    rmSync(this.containerDir(id), { recursive: true, force: true });
    this.opened().delete(`c/${id}`);
    const rec = this.containers.get(id);
    this.containers.delete(id);
    const ids = rec && this.bySandbox.get(rec.sandboxId);
    ids?.delete(id);
    if (ids?.size === 0) this.bySandbox.delete(rec!.sandboxId);
  }

  /** close releases the log file. */
  close(): void {
    this.log.close();
    this.loaded = false;
  }
}
