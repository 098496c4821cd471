/**
 * The hardened defaults of a Flotilla container, taken from Docker's (moby oci/defaults.go
 * and caps/defaults.go): the capability set, masked and read-only /proc paths, the standard
 * mounts, the device cgroup allow-list, rlimits and PATH.
 */
import { readFileSync } from 'node:fs';
import type { OciLinuxResources, OciMount, OciRlimit } from './oci-types.js';

/** DEFAULT_CAPABILITIES is Docker's default set: bounding, effective and permitted (never inheritable/ambient). */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE', 'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

/** ALL_CAPABILITIES are the capability names Linux knows (through 6.x), to reject typos in add/drop lists. */
export const ALL_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/** DEFAULT_MASKED_PATHS are hidden from the container (a /dev/null bind over files, an empty ro tmpfs over dirs). */
export const DEFAULT_MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];

/** DEFAULT_READONLY_PATHS are remounted read-only inside the container. */
export const DEFAULT_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** DEFAULT_PATH is the PATH a container gets when its env does not set one. */
export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** DEFAULT_NOFILE is the open-file limit containers get, as under Docker's daemon. */
export const DEFAULT_NOFILE = 1048576;

let ceiling: number | undefined;

/**
 * nofileCeiling is the highest RLIMIT_NOFILE a runtime started from this process can set:
 * DEFAULT_NOFILE, unless the process lacks CAP_SYS_RESOURCE (some sandboxes drop it), in
 * which case no runtime (runc and crun included) can raise the hard limit it inherits.
 */
export function nofileCeiling(): number {
  if (ceiling !== undefined) return ceiling;
  ceiling = DEFAULT_NOFILE;
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const capEff = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)/m.exec(status)?.[1] ?? '0'}`);
    const hasSysResource = (capEff >> 24n) & 1n;
    const limits = readFileSync('/proc/self/limits', 'utf8');
    const hard = /^Max open files\s+\S+\s+(\d+)/m.exec(limits)?.[1];
    if (!hasSysResource && hard !== undefined) ceiling = Math.min(DEFAULT_NOFILE, Number(hard));
  } catch {
    // Not Linux /proc: keep the default.
  }
  return ceiling;
}

/** defaultRlimits raises the open-file limit as Docker's daemon does (to nofileCeiling()). */
export function defaultRlimits(nofile = nofileCeiling()): OciRlimit[] {
  return [{ type: 'RLIMIT_NOFILE', hard: nofile, soft: nofile }];
}

/** defaultMounts returns fresh copies of the standard mounts: proc, /dev tmpfs, devpts, shm, mqueue, ro sysfs, ro cgroup. */
export function defaultMounts(): OciMount[] {
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  ];
}

/** defaultDeviceRules denies every device, then allows the standard nodes and mknod, as Docker's cgroup rules do. */
export function defaultDeviceRules(): NonNullable<OciLinuxResources['devices']> {
  const allowC = (major: number, minor: number | undefined, access = 'rwm') => ({ allow: true, type: 'c', major, ...(minor === undefined ? {} : { minor }), access });
  return [
    { allow: false, access: 'rwm' },
    { allow: true, type: 'c', access: 'm' },
    { allow: true, type: 'b', access: 'm' },
    allowC(1, 3), // /dev/null
    allowC(1, 5), // /dev/zero
    allowC(1, 7), // /dev/full
    allowC(1, 8), // /dev/random
    allowC(1, 9), // /dev/urandom
    allowC(5, 0), // /dev/tty
    allowC(5, 1), // /dev/console
    allowC(5, 2), // /dev/ptmx
    allowC(136, undefined), // /dev/pts/*
    allowC(10, 200), // /dev/net/tun
  ];
}
