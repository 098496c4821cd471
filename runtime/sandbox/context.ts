/**
 * context.ts: what the sandbox and container managers share: the on-disk store, the pod
 * network, the parts they drive, the per-object locks and the runtime's settings.
 */
import { randomBytes } from 'node:crypto';
import type { StateStore } from '../state/store.js';
import type { PodNetwork } from '../network/pod-network.js';
import type { RuntimeDeps } from './deps.js';
import { KeyedLock } from './keyed-lock.js';

/** DEFAULT_CGROUP_PARENT is where pod cgroups go unless --cgroup-parent or the sandbox says otherwise. */
export const DEFAULT_CGROUP_PARENT = '/flotilla';

/** RuntimeContext is shared by SandboxManager and ContainerManager. */
export interface RuntimeContext {
  root: string;
  /** runDir holds what a reboot ends (runtime/state/volatile-dir.ts): each sandbox's files live under runDir/sandboxes. */
  runDir: string;
  store: StateStore;
  network: PodNetwork;
  deps: RuntimeDeps;
  locks: KeyedLock;
  cgroupParent: string;
  /** log receives one line per notable event (warnings during cleanup, restarts). */
  log: (msg: string) => void;
}

/** newId makes a 64-hex-character id, as containerd and CRI-O do. */
export function newId(): string {
  return randomBytes(32).toString('hex');
}

/** nowNs is the current time in nanoseconds since the epoch (as a number; microsecond precision). */
export function nowNs(): number {
  return Date.now() * 1e6;
}

/** errorText gives a thrown value's message. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
