/**
 * The server's TLS material, made with openssl at first start and kept in the data dir: a CA
 * (ca.crt, ca.key) and a serving certificate (server.crt, server.key) whose SANs are 127.0.0.1,
 * localhost, the listen address and every IPv4 address of the machine. Later starts reuse them;
 * only the serving certificate is remade when an address it must cover is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { networkInterfaces, hostname } from 'node:os';
import { join } from 'node:path';

/** TlsMaterial is what the HTTPS server and its clients need. */
export interface TlsMaterial {
  caFile: string;
  caPem: string;
  cert: string;
  key: string;
  sans: string[];
}

/** machineSans lists the names a serving certificate must carry for this machine and listen host. */
export function machineSans(listenHost: string): string[] {
  const sans = new Set<string>(['IP:127.0.0.1', 'DNS:localhost']);
  const host = listenHost.replace(/^\[|\]$/g, '');
  if (host && host !== '0.0.0.0' && host !== '::') sans.add(/^[\d.]+$/.test(host) || host.includes(':') ? `IP:${host}` : `DNS:${host}`);
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4') sans.add(`IP:${a.address}`);
  }
  const h = hostname();
  if (/^[A-Za-z0-9.-]+$/.test(h)) sans.add(`DNS:${h}`);
  return [...sans].sort();
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`openssl ${args[0]} failed${stderr ? `: ${stderr}` : ''} (is openssl installed?)`);
  }
}

/** ensureTls makes (or reuses) the CA and serving certificate in `dir` for `listenHost`. */
export function ensureTls(dir: string, listenHost: string): TlsMaterial {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caFile = join(dir, 'ca.crt');
  const caKey = join(dir, 'ca.key');
  const certFile = join(dir, 'server.crt');
  const keyFile = join(dir, 'server.key');
  const sansFile = join(dir, 'server.sans');
  if (!existsSync(caFile) || !existsSync(caKey)) {
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', caKey, '-out', caFile,
      '-days', '3650', '-subj', '/CN=flotilla-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
    chmodSync(caKey, 0o600);
  }
  const wanted = machineSans(listenHost);
  const have = existsSync(sansFile) ? readFileSync(sansFile, 'utf8').split('\n').filter(Boolean) : [];
  if (!existsSync(certFile) || !existsSync(keyFile) || wanted.some((s) => !have.includes(s))) {
    const all = [...new Set([...have, ...wanted])].sort();
    const csr = join(dir, 'server.csr');
    const ext = join(dir, 'server.ext');
    writeFileSync(ext, `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=${all.join(',')}\n`);
    openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', csr, '-subj', '/CN=flotilla-apiserver'], dir);
    chmodSync(keyFile, 0o600);
    openssl(['x509', '-req', '-in', csr, '-CA', caFile, '-CAkey', caKey, '-CAcreateserial', '-out', certFile, '-days', '3650', '-extfile', ext], dir);
    writeFileSync(sansFile, all.join('\n') + '\n');
  }
  return { caFile, caPem: readFileSync(caFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), sans: wanted };
}
