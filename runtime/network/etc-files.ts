/**
 * etc-files.ts: the pod's /etc/hosts and /etc/resolv.conf, built as text by pure functions
 * and written into the sandbox directory, from where every container of the pod binds them.
 */
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import type { DNSConfig } from '../proto/types.js';

/** hostsFile is the pod's /etc/hosts: localhost for both families, then the pod IP → hostname. */
export function hostsFile(hostname: string, podIp: string | undefined): string {
  const lines = [
    '# Kubernetes-managed hosts file (Flotilla).',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
  ];
  if (podIp) lines.push(`${podIp}\t${hostname}`);
  return lines.join('\n') + '\n';
}

/**
 * resolvConf is the pod's /etc/resolv.conf: from dns_config when it names servers, searches or
 * options, else the host's own file with loopback nameservers dropped (they mean nothing
 * inside the pod's network namespace).
 */
export function resolvConf(dns: DNSConfig | null | undefined, hostResolv: string): string {
  const servers = dns?.servers ?? [];
  const searches = dns?.searches ?? [];
  const options = dns?.options ?? [];
  if (servers.length + searches.length + options.length > 0) {
    const lines: string[] = [];
    if (searches.length) lines.push(`search ${searches.join(' ')}`);
    for (const s of servers) lines.push(`nameserver ${s}`);
    if (options.length) lines.push(`options ${options.join(' ')}`);
    return lines.join('\n') + '\n';
  }
  const kept = hostResolv
    .split('\n')
    .filter((l) => !/^\s*nameserver\s+(127\.|::1\b)/.test(l));
  const text = kept.join('\n').replace(/\n*$/, '\n');
  return text.trim() === '' ? '' : text;
}

/** readHostResolvConf returns the host's /etc/resolv.conf, or "" if it has none. */
export function readHostResolvConf(path = '/etc/resolv.conf'): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** writeFileAtomic writes through a temporary file and a rename, so a reader never sees half a file. */
export function writeFileAtomic(path: string, data: string, mode = 0o644): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}
