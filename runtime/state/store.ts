/**
 * store.ts: the runtime's on-disk state. One JSON file per sandbox and per container, each
 * written through a `.new` file and a rename (see writeRecord) so a crash never leaves half a record; an
 * in-memory copy answers reads. A restarted runtime calls load() and knows every object again.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { RECORD_VERSION, type ContainerRecord, type SandboxRecord } from './records.js';

/** StateError is a state file that cannot be read or written; the message names the file. */
export class StateError extends Error {
  readonly code = 'FLT_ERR_STATE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StateError';
  }
}

/**
 * writeRecord replaces a record crash-safely without renaming over it: renaming onto (or
 * truncating) an existing file makes ext4 flush it (auto_da_alloc), which costs milliseconds per
 * save on a busy disk. The new text goes to `<path>.new`, the old file is unlinked, then the new
 * one renamed into place; a crash between leaves `<path>.new`, which readRecordFile takes.
 */
export function writeRecord(path: string, value: unknown): void {
  const next = `${path}.new`;
  writeFileSync(next, JSON.stringify(value, null, 1));
  rmSync(path, { force: true });
  renameSync(next, path);
}

/** readRecordFile reads a record written by writeRecord, falling back to `<path>.new` after a crash. */
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

/** StateStore keeps sandbox and container records under `<root>/sandboxes` and `<root>/containers`. */
export class StateStore {
  readonly sandboxesDir: string;
  readonly containersDir: string;
  private readonly sandboxes = new Map<string, SandboxRecord>();
  private readonly containers = new Map<string, ContainerRecord>();
  /** skipped lists files load() could not read, with the reason, for the runtime to log. */
  readonly skipped: string[] = [];

  constructor(root: string) {
    this.sandboxesDir = join(root, 'sandboxes');
    this.containersDir = join(root, 'containers');
    mkdirSync(this.sandboxesDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.containersDir, { recursive: true, mode: 0o700 });
  }

  /** load reads every record from disk, replacing what is in memory. */
  load(): void {
    this.sandboxes.clear();
    this.containers.clear();
    this.skipped.length = 0;
    for (const id of readdirSync(this.sandboxesDir)) {
      const rec = this.readRecord<SandboxRecord>(join(this.sandboxesDir, id, 'sandbox.json'));
      if (rec) this.sandboxes.set(rec.id, rec);
    }
    for (const id of readdirSync(this.containersDir)) {
      const rec = this.readRecord<ContainerRecord>(join(this.containersDir, id, 'container.json'));
      if (rec) this.containers.set(rec.id, rec);
    }
  }

  private readRecord<T extends { version: number; id: string }>(path: string): T | undefined {
    try {
      const text = readRecordFile(path);
      if (text === undefined) {
        this.skipped.push(`${path}: no record file (a half-made object; skipped)`);
        return undefined;
      }
      const rec = JSON.parse(text) as T;
      if (rec.version !== RECORD_VERSION || typeof rec.id !== 'string') {
        this.skipped.push(`${path}: unknown record version ${String(rec.version)}`);
        return undefined;
      }
      return rec;
    } catch (err) {
      this.skipped.push(`${path}: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** sandboxDir is the directory of one sandbox's record and files. */
  sandboxDir(id: string): string {
    return join(this.sandboxesDir, id);
  }

  /** containerDir is the directory of one container's record and bundle. */
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

  /** listContainers returns every container record (of one sandbox when given), oldest first. */
  listContainers(sandboxId?: string): ContainerRecord[] {
    const all = [...this.containers.values()].sort((a, b) => a.createdAt - b.createdAt);
    return sandboxId === undefined ? all : all.filter((c) => c.sandboxId === sandboxId);
  }

  /** saveSandbox writes the record to disk and memory. */
  saveSandbox(rec: SandboxRecord): void {
    if (!this.sandboxes.has(rec.id)) mkdirSync(this.sandboxDir(rec.id), { recursive: true, mode: 0o700 });
    writeRecord(join(this.sandboxDir(rec.id), 'sandbox.json'), rec);
    this.sandboxes.set(rec.id, rec);
  }

  /** saveContainer writes the record to disk and memory. */
  saveContainer(rec: ContainerRecord): void {
    if (!this.containers.has(rec.id)) mkdirSync(this.containerDir(rec.id), { recursive: true, mode: 0o700 });
    writeRecord(join(this.containerDir(rec.id), 'container.json'), rec);
    this.containers.set(rec.id, rec);
  }

  /** deleteSandbox forgets the sandbox and removes its directory. */
  deleteSandbox(id: string): void {
    this.sandboxes.delete(id);
    rmSync(this.sandboxDir(id), { recursive: true, force: true });
  }

  /** deleteContainer forgets the container and removes its directory. */
  deleteContainer(id: string): void {
    this.containers.delete(id);
    rmSync(this.containerDir(id), { recursive: true, force: true });
  }
}
