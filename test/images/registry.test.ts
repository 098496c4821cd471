import assert from 'node:assert/strict';
import * as fsp from 'node:fs/promises';
import { execFile, execFileSync } from 'node:child_process';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { isImageError } from '../../runtime/images/errors.js';
import { ImageStore } from '../../runtime/images/image-store.js';
import { sha256Digest } from '../../runtime/images/oci.js';
import { parseChallenge } from '../../runtime/images/registry-client.js';
import { pushImage, pushManifest, registryBlobFile, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { requireCommand, requireRoot } from '../helpers/root.js';
import { dir, file, listTree, makeImage, makeIndex, otherStoreArgs, tempDir, type TestImage } from './fixtures.js';

const run = promisify(execFile);
const EMPTY_STORE = ['blobs', 'blobs/sha256', 'images', 'l', 'layers', 'leases', 'tmp'];
let registry: TestRegistry | undefined;

before(async () => {
  if (process.getuid?.() !== 0) return;
  registry = await startRegistry();
});
after(async () => {
  await registry?.stop();
});

async function newStore(t: { after: (fn: () => Promise<void>) => void }): Promise<{ store: ImageStore; root: string }> {
  const work = await tempDir('pull');
  t.after(() => fsp.rm(work, { recursive: true, force: true }));
  const root = path.join(work, 'store');
  const store = new ImageStore(root);
  await store.init();
  return { store, root };
}

async function ready(t: Parameters<typeof requireRoot>[0]): Promise<TestRegistry | undefined> {
  if (!requireRoot(t, 'unpacking pulled layers')) return undefined;
  if (!(await requireCommand(t, 'docker-registry'))) return undefined;
  assert.ok(registry, 'docker-registry started');
  return registry;
}

test('pull by tag and by digest from a real registry, with progress', async (t) => {
  const reg = await ready(t);
  if (!reg) return;
  const { store, root } = await newStore(t);
  const img = makeImage([[dir('srv'), file('srv/a.txt', 'a'.repeat(100_000))], [file('srv/b.txt', 'b')]], { label: 'by-tag' });
  const manifestDigest = await pushImage(reg.url, 'team/app', img, 'v1');
  const progress = new Map<string, { done: number; total: number }>();
  const rec = await store.pull(`${reg.host}/team/app:v1`, { onProgress: (p) => progress.set(p.layer, { done: p.done, total: p.total }) });
  assert.equal(rec.id, img.imageId);
  assert.deepEqual(rec.repoTags, [`${reg.host}/team/app:v1`]);
  assert.deepEqual(rec.repoDigests, [`${reg.host}/team/app@${manifestDigest}`]);
  assert.deepEqual(rec.config.cmd, ['sh']);
  for (const l of img.layers) assert.deepEqual(progress.get(l.desc.digest), { done: l.desc.size, total: l.desc.size }, `progress of ${l.desc.digest}`);
  for (const l of img.layers) assert.ok((await fsp.stat(path.join(root, 'blobs/sha256', l.desc.digest.slice(7)))).isFile());
  assert.equal((await fsp.readdir(path.join(root, 'layers'))).length, 2);

  const byDigest = await store.pull(`${reg.host}/team/app@${manifestDigest}`);
  assert.equal(byDigest.id, img.imageId, 'same image by digest');
  assert.equal(store.status(`${reg.host}/team/app@${manifestDigest}`)?.id, img.imageId);
  assert.equal(store.list().length, 1);

  const docker = makeImage([[file('d', 'docker media types, uncompressed')]], { docker: true, gzip: false, label: 'docker' });
  await pushImage(reg.url, 'team/docker', docker, 'latest');
  const drec = await store.pull(`${reg.host}/team/docker`);
  assert.equal(drec.id, docker.imageId);
  assert.equal(store.list().length, 2);
});

test('an index resolves to linux/amd64; one without it is refused', async (t) => {
  const reg = await ready(t);
  if (!reg) return;
  const { store, root } = await newStore(t);
  const amd = makeImage([[file('arch', 'amd64')]], { arch: 'amd64' });
  const arm = makeImage([[file('arch', 'arm64')]], { arch: 'arm64' });
  await pushImage(reg.url, 'multi', arm);
  await pushImage(reg.url, 'multi', amd);
  for (const docker of [false, true]) {
    const index = makeIndex([{ image: arm, arch: 'arm64' }, { image: amd, arch: 'amd64' }], docker);
    const tag = docker ? 'list' : 'index';
    const indexDigest = await pushManifest(reg.url, 'multi', tag, index);
    const rec = await store.pull(`${reg.host}/multi:${tag}`);
    assert.equal(rec.id, amd.imageId, `${tag} resolves to the amd64 image`);
    assert.ok(rec.repoDigests.includes(`${reg.host}/multi@${indexDigest}`), 'the repo digest is the index digest');
  }
  const layerDirs = await fsp.readdir(path.join(root, 'layers'));
  assert.deepEqual(layerDirs, [amd.layers[0]!.diffId.slice(7)], 'only the amd64 layer was unpacked');

  await pushManifest(reg.url, 'multi', 'armonly', makeIndex([{ image: arm, arch: 'arm64' }]));
  await assert.rejects(store.pull(`${reg.host}/multi:armonly`), (err: unknown) =>
    isImageError(err, 'FLT_ERR_IMAGE_PLATFORM') && err.message.includes('linux/arm64'));
  await assert.rejects(store.pull(`${reg.host}/multi:nosuchtag`), (err: unknown) =>
    isImageError(err, 'FLT_ERR_IMAGE_NOT_FOUND') && err.message.includes(`${reg.host}/multi:nosuchtag`));
});

test('a blob that does not match its digest is refused and nothing stays in the store', async (t) => {
  const reg = await ready(t);
  if (!reg) return;
  const { store, root } = await newStore(t);
  const img = makeImage([[file('good', 'fine')], [file('evil', 'x'.repeat(5000))]], { label: 'tampered' });
  await pushImage(reg.url, 'tampered', img, 'v1');
  const bad = img.layers[1]!.desc.digest;
  const onDisk = registryBlobFile(reg.storage, bad);
  const bytes = await fsp.readFile(onDisk);
  bytes[bytes.length - 10] ^= 0xff; // same size, different content
  await fsp.writeFile(onDisk, bytes);
  await assert.rejects(store.pull(`${reg.host}/tampered:v1`), (err: unknown) => {
    assert.ok(isImageError(err, 'FLT_ERR_IMAGE_DIGEST_MISMATCH'), String(err));
    assert.ok(err.message.includes(bad), `names the digest: ${err.message}`);
    return true;
  });
  assert.equal(store.list().length, 0);
  assert.deepEqual(await listTree(root), EMPTY_STORE, 'no blob, layer, record or temp file');
});

test('concurrent pulls of one image share the layers and both succeed', async (t) => {
  const reg = await ready(t);
  if (!reg) return;
  const { store, root } = await newStore(t);
  const img = makeImage([[file('big', 'z'.repeat(300_000))], [file('small', 's')]], { label: 'concurrent' });
  await pushImage(reg.url, 'conc', img, 'a');
  await pushManifest(reg.url, 'conc', 'b', img.manifestBytes);
  const [a, b] = await Promise.all([store.pull(`${reg.host}/conc:a`), store.pull(`${reg.host}/conc:b`)]);
  assert.equal(a.id, b.id);
  assert.deepEqual(store.status(a.id)?.repoTags, [`${reg.host}/conc:a`, `${reg.host}/conc:b`]);
  assert.equal((await fsp.readdir(path.join(root, 'blobs/sha256'))).length, 4);
  assert.equal((await fsp.readdir(path.join(root, 'layers'))).length, 2);
  assert.deepEqual(await fsp.readdir(path.join(root, 'tmp')), []);
});

/**
 * fakeRegistry is a tiny v2 server on loopback serving one image as private/app:v1; with creds it demands
 * a Bearer token from its own token endpoint; `serve` replaces what it sends for a digest (to lie).
 */
async function fakeRegistry(img: TestImage, opts: { creds?: { user: string; pass: string }; serve?: Map<string, Buffer>; tls?: { key: Buffer; cert: Buffer } } = {}): Promise<{ host: string; close: () => Promise<void>; tokenRequests: string[]; requests: string[] }> {
  const blobs = new Map<string, Buffer>([[img.config.digest, img.configBytes], ...img.layers.map((l): [string, Buffer] => [l.desc.digest, l.blob])]);
  for (const [d, b] of opts.serve ?? []) blobs.set(d, b);
  const creds = opts.creds;
  const tokenRequests: string[] = [];
  const token = 'secret-token-123';
  const requests: string[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const url = new URL(req.url!, 'http://x');
    requests.push(url.pathname);
    const addr = server.address() as AddressInfo;
    if (creds && url.pathname === '/token') {
      tokenRequests.push(url.search);
      const basic = `Basic ${Buffer.from(`${creds.user}:${creds.pass}`).toString('base64')}`;
      if (req.headers.authorization !== basic) { res.writeHead(401).end(); return; }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token }));
      return;
    }
    if (creds && req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://127.0.0.1:${addr.port}/token",service="test-registry",scope="repository:private/app:pull"` }).end();
      return;
    }
    const m = /^\/v2\/private\/app\/(manifests|blobs)\/(.+)$/.exec(url.pathname);
    if (m?.[1] === 'manifests' && (m[2] === 'v1' || m[2] === img.manifestDigest)) {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': img.manifestDigest }).end(blobs.get(img.manifestDigest) ?? img.manifestBytes);
    } else if (m?.[1] === 'blobs' && blobs.has(m[2]!)) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(blobs.get(m[2]!));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"unknown"}]}');
    }
  };
  const server = opts.tls ? https.createServer(opts.tls, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { host, tokenRequests, requests, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

test('the Bearer token flow is followed with the given credentials, and bad ones are refused', async (t) => {
  if (!requireRoot(t, 'unpacking pulled layers')) return;
  const { store, root } = await newStore(t);
  const img = makeImage([[file('private', 'p')]], { label: 'auth' });
  const srv = await fakeRegistry(img, { creds: { user: 'alice', pass: 's3cret' } });
  t.after(() => srv.close());
  await assert.rejects(store.pull(`${srv.host}/private/app:v1`, { auth: { username: 'alice', password: 'wrong' } }), (err: unknown) =>
    isImageError(err, 'FLT_ERR_IMAGE_AUTH') && /token server .* HTTP 401/.test(err.message));
  const rec = await store.pull(`${srv.host}/private/app:v1`, { auth: { username: 'alice', password: 's3cret' } });
  assert.equal(rec.id, img.imageId);
  assert.ok(srv.tokenRequests.at(-1)!.includes('service=test-registry') && srv.tokenRequests.at(-1)!.includes('scope=repository%3Aprivate%2Fapp%3Apull'), srv.tokenRequests.join(' '));
  assert.equal(sha256Digest(await fsp.readFile(path.join(root, 'blobs/sha256', img.layers[0]!.desc.digest.slice(7)))), img.layers[0]!.desc.digest);
  assert.deepEqual(parseChallenge('Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull"'), {
    scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'reg', scope: 'repository:a/b:pull' },
  });
});

test('an unreachable registry gives a clear error', async (t) => {
  if (!requireRoot(t, 'unpacking pulled layers')) return;
  const { store } = await newStore(t);
  const srv = http.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  await assert.rejects(store.pull(`127.0.0.1:${port}/nothing:here`), (err: unknown) =>
    isImageError(err, 'FLT_ERR_IMAGE_REGISTRY') && err.message.includes(`cannot reach 127.0.0.1:${port} over HTTPS (ECONNREFUSED) nor over HTTP (ECONNREFUSED)`));
});

test('a registry that lies about a manifest or a blob size is refused, leaving nothing', async (t) => {
  if (!requireRoot(t, 'unpacking pulled layers')) return;
  const { store, root } = await newStore(t);
  const img = makeImage([[file('a', 'a'.repeat(1000))]], { label: 'liar' });
  const other = makeImage([[file('b', 'b')]], { label: 'other' });
  const lyingManifest = await fakeRegistry(img, { serve: new Map([[img.manifestDigest, other.manifestBytes]]) });
  t.after(() => lyingManifest.close());
  for (const ref of [`${lyingManifest.host}/private/app:v1`, `${lyingManifest.host}/private/app@${img.manifestDigest}`]) {
    await assert.rejects(store.pull(ref), (err: unknown) =>
      isImageError(err, 'FLT_ERR_IMAGE_DIGEST_MISMATCH') && err.message.includes(`manifest ${img.manifestDigest} does not match its digest`));
  }
  const layer = img.layers[0]!;
  const longer = await fakeRegistry(img, { serve: new Map([[layer.desc.digest, Buffer.concat([layer.blob, Buffer.alloc(64)])]]) });
  t.after(() => longer.close());
  await assert.rejects(store.pull(`${longer.host}/private/app:v1`), (err: unknown) =>
    isImageError(err, 'FLT_ERR_IMAGE_DIGEST_MISMATCH') && err.message.includes(`blob ${layer.desc.digest}: more bytes than the ${layer.desc.size}`));
  assert.equal(store.list().length, 0);
  assert.deepEqual(await listTree(root), EMPTY_STORE);
});

test('HTTPS is tried first: a loopback registry with a trusted certificate is pulled over TLS', async (t) => {
  if (!requireRoot(t, 'unpacking pulled layers')) return;
  if (!(await requireCommand(t, 'openssl'))) return;
  const { store, root } = await newStore(t);
  const dir = path.dirname(root);
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const img = makeImage([[file('tls', 'over https')]], { label: 'tls' });
  const srv = await fakeRegistry(img, { tls: { key: await fsp.readFile(key), cert: await fsp.readFile(cert) } });
  t.after(() => srv.close());

  // this process does not trust the certificate: the pull says so (no fallback to HTTP against a TLS server)
  await assert.rejects(store.pull(`${srv.host}/private/app:v1`), (err: unknown) =>
    isImageError(err, 'FLT_ERR_IMAGE_REGISTRY') && err.message.includes(`cannot reach https://${srv.host}: DEPTH_ZERO_SELF_SIGNED_CERT`));
  assert.equal(srv.requests.length, 0, 'no request got through without trust');

  // a runtime that trusts it (NODE_EXTRA_CA_CERTS, read at start) pulls over TLS
  const { stdout } = await run(process.execPath, otherStoreArgs(root, `
    console.log((await s.pull(${JSON.stringify(`${srv.host}/private/app:v1`)})).id);
  `), { encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: cert }, timeout: 60_000 });
  assert.equal(stdout.trim(), img.imageId);
  assert.ok(srv.requests.includes(`/v2/private/app/blobs/${img.layers[0]!.desc.digest}`), 'the layer came over TLS');
  assert.equal(store.status(`${srv.host}/private/app:v1`)?.id, img.imageId);
});
