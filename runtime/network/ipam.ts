/**
 * ipam.ts: host-local IP allocation persisted on disk, in the manner of the CNI host-local
 * plugin. Each allocated address is one file `<dir>/<ip>` holding the owner (the sandbox id),
 * created with O_EXCL so two allocators can never hand out the same address; `last_reserved`
 * remembers where the last allocation stopped so released addresses are not reused at once.
 * Allocations survive restarts because the files are the state. One runtime owns the directory
 * (it holds the root): it reads the files once and then keeps the held set in memory, so an
 * allocation does not list and read every lease (O(pods) file reads per pod before).
 */
import { constants, mkdirSync, openSync, writeSync, closeSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Cidr, gatewayOf, nextFree, cidrContains, ipToInt } from './cidr.js';

/** IpamError is an allocation failure: the range is full, or the CIDR is unset. */
export class IpamError extends Error {
  readonly code: 'FLT_ERR_IPAM_EXHAUSTED' | 'FLT_ERR_IPAM_IO';
  constructor(code: IpamError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IpamError';
    this.code = code;
  }
}

/** Allocation is one address handed to a sandbox, with what its interface needs to be configured. */
export interface Allocation {
  ip: string;
  prefix: number;
  gateway: string;
}

const LAST_RESERVED = 'last_reserved';

function isIpName(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name);
}

/** HostLocalIpam allocates pod IPs from one CIDR, one file per address under `dir`. */
export class HostLocalIpam {
  readonly dir: string;
  /** held mirrors the lease files (ip -> owner), read from them on first use; last is last_reserved. */
  private held: Map<string, string> | undefined;
  private last: string | undefined;

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private heldNow(): Map<string, string> {
    if (!this.held) {
      this.held = this.readLeases();
      this.last = this.readLastReserved();
    }
    return this.held;
  }

  /** allocated lists the addresses currently held, with their owners. */
  allocated(): Map<string, string> {
    return new Map(this.heldNow());
  }

  /** readLeases reads every lease file: the held addresses and their owners. */
  private readLeases(): Map<string, string> {
    const out = new Map<string, string>();
    for (const name of readdirSync(this.dir)) {
      if (!isIpName(name)) continue;
      let owner = '';
      try {
        owner = readFileSync(join(this.dir, name), 'utf8').trim();
      } catch {
        continue; // released while we listed
      }
      out.set(name, owner);
    }
    return out;
  }

  /** allocate reserves a free address in `cidr` for `owner`; returns the owner's existing one if it has one. */
  allocate(cidr: Cidr, owner: string): Allocation {
    const held = this.heldNow();
    for (const [ip, o] of held) {
      if (o === owner && cidrContains(cidr, ip)) return { ip, prefix: cidr.prefix, gateway: gatewayOf(cidr) };
    }
    const taken = new Set(held.keys());
    let after = this.last;
    // A racing allocator may take our pick between listing and creating: retry on EEXIST.
    for (let attempt = 0; attempt < 64; attempt++) {
      const ip = nextFree(cidr, taken, after);
      if (ip === null) break;
      const path = join(this.dir, ip);
      let fd: number;
      try {
        fd = openSync(path, 'wx', 0o600);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
          taken.add(ip); // made behind our back: leave it to its owner
          held.set(ip, '');
          after = ip;
          continue;
        }
        throw new IpamError('FLT_ERR_IPAM_IO', `ipam: create ${path}: ${(err as Error).message}`, { cause: err });
      }
      held.set(ip, owner);
      try {
        writeSync(fd, owner);
      } finally {
        closeSync(fd);
      }
      this.setLastReserved(ip);
      return { ip, prefix: cidr.prefix, gateway: gatewayOf(cidr) };
    }
    throw new IpamError('FLT_ERR_IPAM_EXHAUSTED', `ipam: no free address left in pod CIDR ${cidr.text} (${taken.size} allocated under ${this.dir})`);
  }

  /** release frees every address held by `owner`; releasing nothing is not an error. */
  release(owner: string): string[] {
    const freed: string[] = [];
    const held = this.heldNow();
    for (const [ip, o] of held) {
      if (o !== owner) continue;
      rmSync(join(this.dir, ip), { force: true });
      held.delete(ip);
      freed.push(ip);
    }
    return freed;
  }

  /** releaseIp frees one address if `owner` (when given) holds it. */
  releaseIp(ip: string, owner?: string): boolean {
    ipToInt(ip);
    const path = join(this.dir, ip);
    try {
      if (owner !== undefined && readFileSync(path, 'utf8').trim() !== owner) return false;
      rmSync(path);
      this.held?.delete(ip);
      return true;
    } catch {
      return false;
    }
  }

  private readLastReserved(): string | undefined {
    try {
      const t = readFileSync(join(this.dir, LAST_RESERVED), 'utf8').trim();
      return isIpName(t) ? t : undefined;
    } catch {
      return undefined;
    }
  }

  private setLastReserved(ip: string): void {
    this.last = ip;
    // Overwritten in place at a fixed width, without truncating: replacing or truncating a file
    // makes ext4 flush it (auto_da_alloc) on every allocation, and a torn write only moves where
    // the next search starts (garbage is ignored).
    const fd = openSync(join(this.dir, LAST_RESERVED), constants.O_WRONLY | constants.O_CREAT, 0o600);
    try {
      writeSync(fd, ip.padEnd(15) + '\n', 0);
    } finally {
      closeSync(fd);
    }
  }
}
