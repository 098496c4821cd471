/**
 * A real OCI registry for tests: Debian's docker-registry (distribution 2.x) on a free loopback port
 * with filesystem storage in a temp dir, and a push helper speaking the distribution API v2.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fsp from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

/** REGISTRY_BINARY is where Debian's docker-registry package installs the registry. */
export const REGISTRY_BINARY = '/usr/bin/docker-registry';

/** TestRegistry is a running registry; stop() kills it by PID and removes its storage. */
export interface TestRegistry {
  /** host is `127.0.0.1:PORT`, the reference domain of images pushed here. */
  host: string;
  url: string;
  storage: string;
  pid: number;
  stop(): Promise<void>;
}

/** freePort asks the kernel for an unused loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string, child: ChildProcess, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with ${child.exitCode} before serving ${url}: ${log()}`);
    try {
      const res = await fetch(`${url}/v2/`);
      await res.body?.cancel();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for docker-registry to answer ${url}/v2/: ${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** startRegistry runs docker-registry on 127.0.0.1 with storage in a fresh temp dir. */
export async function startRegistry(timeoutMs = 15_000): Promise<TestRegistry> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'flotilla-registry-'));
  const storage = path.join(dir, 'storage');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = path.join(dir, 'config.yml');
  await fsp.writeFile(config, [
    'version: 0.1',
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${storage}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${host}`,
    '',
  ].join('\n'));
  const child = spawn(REGISTRY_BINARY, ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => { stderr = (stderr + b.toString()).slice(-2000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const killed = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => { timer = setTimeout(() => r(false), 5000); })]);
      clearTimeout(timer);
      if (!killed && child.exitCode === null) {
        process.kill(child.pid, 'SIGKILL');
        await exited;
      }
    }
    await fsp.rm(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    await waitReady(`http://${host}`, child, () => stderr, timeoutMs);
  } catch (err) {
    await stop();
    throw err;
  }
  return { host, url: `http://${host}`, storage, pid: child.pid!, stop };
}

function digestOf(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** pushBlob uploads a blob monolithically (POST an upload, PUT it with the digest); returns the digest. */
export async function pushBlob(url: string, repo: string, data: Buffer): Promise<string> {
  const digest = digestOf(data);
  const start = await fetch(`${url}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  await start.body?.cancel();
  if (start.status !== 202) throw new Error(`POST ${repo} blob upload: HTTP ${start.status}`);
  const location = new URL(start.headers.get('location')!, url);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, { method: 'PUT', body: data, headers: { 'content-type': 'application/octet-stream' } });
  const text = await put.text();
  if (put.status !== 201) throw new Error(`PUT ${repo} blob ${digest}: HTTP ${put.status} ${text}`);
  return digest;
}

/** pushManifest stores a manifest or index under a tag or digest; returns its digest. */
export async function pushManifest(url: string, repo: string, reference: string, data: Buffer): Promise<string> {
  const mediaType = (JSON.parse(data.toString()) as { mediaType: string }).mediaType;
  const res = await fetch(`${url}/v2/${repo}/manifests/${reference}`, { method: 'PUT', body: data, headers: { 'content-type': mediaType } });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`PUT ${repo} manifest ${reference}: HTTP ${res.status} ${text}`);
  return digestOf(data);
}

/** PushableImage is what pushImage needs: blobs and the manifest that names them. */
export interface PushableImage {
  layers: { blob: Buffer }[];
  configBytes: Buffer;
  manifestBytes: Buffer;
}

/** pushImage pushes layers, config and manifest; with a tag the manifest is tagged, else stored by digest. */
export async function pushImage(url: string, repo: string, image: PushableImage, tag?: string): Promise<string> {
  for (const l of image.layers) await pushBlob(url, repo, l.blob);
  await pushBlob(url, repo, image.configBytes);
  return pushManifest(url, repo, tag ?? digestOf(image.manifestBytes), image.manifestBytes);
}

/** registryBlobFile is where the registry keeps a blob's bytes on disk (to corrupt one on purpose). */
export function registryBlobFile(storage: string, digest: string): string {
  const hex = digest.slice('sha256:'.length);
  return path.join(storage, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
}
