import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { test } from 'node:test';
import { isImageError } from '../../runtime/images/errors.js';
import { buildBusyboxImage } from '../../runtime/images/example-image.js';
import { ImageStore } from '../../runtime/images/image-store.js';
import { chainIds, sha256Digest } from '../../runtime/images/oci.js';
import { gzipSync } from 'node:zlib';
import { readTar, writeTar, type TarWriterEntry } from '../../runtime/images/tar.js';
import { requireRoot } from '../helpers/root.js';
import { dir, dockerSaveTar, file, listTree, makeImage, makeIndex, ociLayoutEntries, otherStoreArgs, symlink, tempDir, whiteout } from './fixtures.js';

const EMPTY_STORE = ['blobs', 'blobs/sha256', 'images', 'l', 'layers', 'leases', 'tmp'];

async function newStore(t: { after: (fn: () => Promise<void>) => void }): Promise<{ store: ImageStore; root: string; work: string }> {
  const work = await tempDir('images');
  t.after(() => fsp.rm(work, { recursive: true, force: true }));
  const root = path.join(work, 'store');
  const store = new ImageStore(root);
  await store.init();
  return { store, root, work };
}

function layerDir(root: string, chainId: string): string {
  return path.join(root, 'layers', chainId.slice(7));
}

test('the example busybox image is deterministic and imports with its tag, config and files', async (t) => {
  if (!requireRoot(t, 'unpacking layers with owners')) return;
  const { store, root, work } = await newStore(t);
  const a = path.join(work, 'a.tar');
  const b = path.join(work, 'b.tar');
  const built = await buildBusyboxImage(a);
  await buildBusyboxImage(b);
  assert.deepEqual(await fsp.readFile(a), await fsp.readFile(b), 'same bytes every time');

  const [rec, ...rest] = await store.importFile(a);
  assert.equal(rest.length, 0);
  assert.equal(rec!.id, built.imageId);
  assert.deepEqual(rec!.repoTags, ['docker.io/library/busybox:latest']);
  assert.deepEqual(rec!.repoDigests, [`docker.io/library/busybox@${built.manifestDigest}`]);
  assert.deepEqual(rec!.config.cmd, ['sh']);
  assert.ok(rec!.config.env?.some((e) => e.startsWith('PATH=') && e.includes('/bin')));
  assert.ok(rec!.size > 500_000, `size ${rec!.size} counts the busybox layer`);

  for (const ref of ['busybox', 'busybox:latest', 'docker.io/library/busybox:latest', rec!.id, rec!.id.slice(7, 19), `busybox@${built.manifestDigest}`]) {
    assert.equal(store.status(ref)?.id, rec!.id, `status(${ref})`);
  }
  assert.equal(store.status('busybox:other'), undefined);

  const layers = await fsp.readdir(path.join(root, 'layers'));
  assert.equal(layers.length, 1);
  const fs = path.join(root, 'layers', layers[0]!);
  assert.equal((await fsp.stat(path.join(fs, 'bin/busybox'))).mode & 0o777, 0o755);
  for (const applet of ['sh', 'ls', 'cat', 'echo', 'sleep', 'httpd', 'wget', 'nc', 'hostname', 'id', 'env', 'ps', 'top', 'true', 'false', 'grep', 'ip', 'ifconfig', 'ping', 'mkdir', 'rm', 'touch', 'date', 'head', 'tail', 'dd']) {
    assert.equal(await fsp.readlink(path.join(fs, 'bin', applet)), 'busybox', `/bin/${applet}`);
  }
  assert.match(await fsp.readFile(path.join(fs, 'etc/passwd'), 'utf8'), /^root:x:0:0:/);
  assert.match(await fsp.readFile(path.join(fs, 'etc/group'), 'utf8'), /^root:x:0:/);
  assert.match(await fsp.readFile(path.join(fs, 'var/www/index.html'), 'utf8'), /Hello from Flotilla/);
  assert.equal((await fsp.stat(path.join(fs, 'tmp'))).mode & 0o7777, 0o1777);
  assert.equal((await fsp.stat(path.join(fs, 'root'))).mode & 0o777, 0o700);

  const again = await store.importFile(a, { tag: 'localhost:5000/tools/busybox:v1' });
  assert.equal(again[0]!.id, rec!.id, 'same content, same image');
  assert.deepEqual(again[0]!.repoTags, ['docker.io/library/busybox:latest', 'localhost:5000/tools/busybox:v1']);

  const viaScript = path.join(work, 'script.tar');
  const out = execFileSync('bash', ['scripts/build-example-image.sh', viaScript], { encoding: 'utf8' });
  assert.ok(out.includes(built.imageId), `the script prints the image id: ${out}`);
  assert.deepEqual(await fsp.readFile(viaScript), await fsp.readFile(a), 'the script writes the same image');

  const live = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => { live.kill('SIGKILL'); });
  const dead = spawnSync('true').pid;
  await fsp.writeFile(path.join(root, 'tmp', 'left-by-an-old-version'), 'partial');
  await fsp.mkdir(path.join(root, 'tmp', `unpack-half.tmp-${dead}-abc123`), { recursive: true });
  await fsp.writeFile(path.join(root, 'tmp', `pull-in-progress.tmp-${live.pid}-abc123`), 'another process is writing this');
  await fsp.writeFile(path.join(root, 'images', `${'e'.repeat(64)}.json.tmp-${dead}-abc123`), '{');
  const reopened = new ImageStore(root);
  await reopened.init();
  assert.deepEqual(await fsp.readdir(path.join(root, 'tmp')), [`pull-in-progress.tmp-${live.pid}-abc123`], 'init sweeps the work of dead writers only');
  assert.deepEqual((await fsp.readdir(path.join(root, 'images'))).filter((n) => n.includes('.tmp-')), []);
  live.kill('SIGKILL');
  assert.deepEqual(reopened.list(), store.list(), 'the store survives a restart');
  assert.ok(reopened.fsInfo().usedBytes >= rec!.size && reopened.fsInfo().inodesUsed > 200, JSON.stringify(reopened.fsInfo()));
  assert.equal(reopened.fsInfo().mountpoint, root);
});

test('a docker-save tarball imports with RepoTags and its layers stacked, whiteouts included', async (t) => {
  if (!requireRoot(t, 'unpacking layers with owners')) return;
  const { store, root, work } = await newStore(t);
  const img = makeImage([
    [dir('etc'), file('etc/motd', 'base'), file('etc/secret', 'remove me'), dir('app'), file('app/run.sh', '#!/bin/sh\n', 0o755)],
    [whiteout('etc', 'secret'), file('app/config', 'v2', 0o640, 33, 33), symlink('app/latest', 'config')],
  ], { gzip: false, docker: true, cmd: ['/app/run.sh'] });
  const tarball = path.join(work, 'save.tar');
  await fsp.writeFile(tarball, dockerSaveTar(img, ['myapp:1.0', 'localhost:5000/myapp:1.0']));
  const recs = await store.importFile(tarball);
  assert.equal(recs.length, 1);
  assert.equal(recs[0]!.id, img.imageId);
  assert.deepEqual(recs[0]!.repoTags, ['docker.io/library/myapp:1.0', 'localhost:5000/myapp:1.0']);
  assert.deepEqual(recs[0]!.repoDigests, []);
  assert.deepEqual(recs[0]!.config.cmd, ['/app/run.sh']);
  assert.deepEqual(recs[0]!.config.exposedPorts, ['80/tcp']);
  const [c1, c2] = chainIds(img.layers.map((l) => l.diffId));
  assert.equal(await fsp.readFile(path.join(layerDir(root, c1!), 'etc/secret'), 'utf8'), 'remove me');
  assert.ok((await fsp.lstat(path.join(layerDir(root, c2!), 'etc/secret'))).isCharacterDevice());
  const cfg = await fsp.stat(path.join(layerDir(root, c2!), 'app/config'));
  assert.deepEqual([cfg.uid, cfg.gid, cfg.mode & 0o777], [33, 33, 0o640]);
  assert.deepEqual(await listTree(path.join(root, 'tmp')), []);
  const blobs = await fsp.readdir(path.join(root, 'blobs/sha256'));
  assert.equal(blobs.length, 4, `config, synthesized manifest and two layers: ${blobs.join(' ')}`);

  await store.remove('myapp:1.0');
  assert.equal(store.list().length, 0);
  assert.deepEqual(await listTree(root), EMPTY_STORE, 'remove leaves an empty store');
  await store.remove('myapp:1.0'); // removing again is fine, as CRI asks
});

test('an OCI layout directory imports; --tag names it; shared layers outlive one image', async (t) => {
  if (!requireRoot(t, 'unpacking layers with owners')) return;
  const { store, root, work } = await newStore(t);
  const base = [dir('usr'), file('usr/base', 'shared')];
  const one = makeImage([base, [file('one', '1')]], { label: 'one' });
  const two = makeImage([base, [file('two', '2')]], { label: 'two' });
  for (const [name, img] of [['one', one], ['two', two]] as const) {
    const d = path.join(work, name);
    for (const e of ociLayoutEntries(img, { 'org.opencontainers.image.ref.name': 'latest' })) {
      await fsp.mkdir(path.dirname(path.join(d, e.name)), { recursive: true });
      await fsp.writeFile(path.join(d, e.name), e.data!);
    }
  }
  const [r1] = await store.importFile(path.join(work, 'one'), { tag: 'one:v1' });
  const [r2] = await store.importFile(path.join(work, 'two'));
  assert.deepEqual(r1!.repoTags, ['docker.io/library/one:v1']);
  assert.deepEqual(r2!.repoTags, [], 'a bare ref.name tag names no repository');
  assert.equal(store.status(r2!.id.slice(7, 19))?.id, two.imageId);
  assert.equal((await fsp.readdir(path.join(root, 'layers'))).length, 3, 'the base layer is unpacked once');

  await store.remove('one:v1');
  const shared = layerDir(root, one.layers[0]!.diffId);
  assert.equal(await fsp.readFile(path.join(shared, 'usr/base'), 'utf8'), 'shared', 'the base layer stays for image two');
  assert.equal((await fsp.readdir(path.join(root, 'layers'))).length, 2);
  await store.remove(two.imageId);
  assert.deepEqual(await listTree(root), EMPTY_STORE);
});

test('bad archives fail with clear errors and leave nothing behind', async (t) => {
  if (!requireRoot(t, 'unpacking layers with owners')) return;
  const { store, root, work } = await newStore(t);
  await assert.rejects(store.importFile(path.join(work, 'missing.tar')), (err: unknown) =>
    isImageError(err, 'FLT_ERR_IMAGE_NOT_FOUND') && err.message.includes('missing.tar'));

  const junk = path.join(work, 'junk.tar');
  await fsp.writeFile(junk, Buffer.alloc(1024, 7));
  await assert.rejects(store.importFile(junk), (err: unknown) => isImageError(err, 'FLT_ERR_IMAGE_FORMAT') && err.message.includes(`${junk}: tar header checksum mismatch`));

  const empty = path.join(work, 'empty.tar');
  await fsp.writeFile(empty, writeTar([file('hello.txt', 'hi')]));
  await assert.rejects(store.importFile(empty), /neither an OCI image layout \(index.json\) nor a docker-save archive/);

  const img = makeImage([[file('a', 'a')]]);
  const entries = ociLayoutEntries(img, { 'io.containerd.image.name': 'docker.io/library/bad:1' });
  const layerName = `blobs/sha256/${img.layers[0]!.desc.digest.slice(7)}`;
  const tampered = entries.map((e) => (e.name === layerName ? { ...e, data: Buffer.from(e.data!).fill(1, 20, 30) } : e));
  const bad = path.join(work, 'tampered.tar');
  await fsp.writeFile(bad, writeTar(tampered));
  await assert.rejects(store.importFile(bad), (err: unknown) =>
    isImageError(err, 'FLT_ERR_IMAGE_DIGEST_MISMATCH') && err.message.includes(img.layers[0]!.desc.digest));

  const noLayer = path.join(work, 'nolayer.tar');
  await fsp.writeFile(noLayer, writeTar(entries.filter((e) => e.name !== layerName)));
  await assert.rejects(store.importFile(noLayer), (err: unknown) =>
    isImageError(err, 'FLT_ERR_IMAGE_FORMAT') && err.message.includes(`layer blob ${img.layers[0]!.desc.digest} is missing`));

  await assert.rejects(store.importFile(junk, { tag: 'Bad Tag' }), (err: unknown) => isImageError(err, 'FLT_ERR_IMAGE_REFERENCE'));
  assert.equal(store.list().length, 0);
  assert.deepEqual(await listTree(root), EMPTY_STORE, 'no blobs, layers, records or temp files');
});

test('a gzipped docker-save tarball whose duplicate layer is a symlink (old docker save) imports', async (t) => {
  if (!requireRoot(t, 'unpacking layers with owners')) return;
  const { store, root, work } = await newStore(t);
  const same = [file('dup', 'same layer twice')];
  const img = makeImage([same, [file('mid', 'm')], same], { gzip: false, docker: true });
  const entries: TarWriterEntry[] = [];
  for await (const e of readTar([dockerSaveTar(img, ['dup:1'])])) {
    const chunks: Buffer[] = [];
    for await (const c of e.body()) chunks.push(c);
    if (e.name === 'layer2/layer.tar') entries.push({ name: e.name, type: 'symlink', linkname: '../layer0/layer.tar' });
    else entries.push({ name: e.name, type: e.type === 'dir' ? 'dir' : 'file', data: Buffer.concat(chunks) });
  }
  const tarball = path.join(work, 'save.tar.gz');
  await fsp.writeFile(tarball, gzipSync(writeTar(entries)));
  const [rec] = await store.importFile(tarball);
  assert.equal(rec!.id, img.imageId);
  assert.deepEqual(rec!.repoTags, ['docker.io/library/dup:1']);
  assert.equal((await fsp.readdir(path.join(root, 'layers'))).length, 3, 'three chain ids, though two layers are equal');
});

test('a second process on the same store is seen at once (runtime import beside a running runtime)', async (t) => {
  if (!requireRoot(t, 'unpacking layers with owners')) return;
  const { store: daemon, root, work } = await newStore(t);
  assert.deepEqual(daemon.list(), []);
  const tarball = path.join(work, 'bb.tar');
  await buildBusyboxImage(tarball, { tag: 'localhost:5000/bb:v1' });
  const out = execFileSync(process.execPath, otherStoreArgs(root, `
    const [r] = await s.importFile(${JSON.stringify(tarball)});
    console.log(r.id);
  `), { encoding: 'utf8' }).trim();
  assert.equal(daemon.status('localhost:5000/bb:v1')?.id, out, 'the running store sees the image the other process imported');
  await daemon.remove('localhost:5000/bb:v1');
  assert.deepEqual(await listTree(root), EMPTY_STORE);
});

test('an OCI layout whose index names a multi-platform index imports the linux/amd64 image', async (t) => {
  if (!requireRoot(t, 'unpacking layers with owners')) return;
  const { store, work } = await newStore(t);
  const amd = makeImage([[file('arch', 'amd64')]], { arch: 'amd64' });
  const arm = makeImage([[file('arch', 'arm64')]], { arch: 'arm64' });
  const index = makeIndex([{ image: arm, arch: 'arm64' }, { image: amd, arch: 'amd64' }]);
  const indexDigest = sha256Digest(index);
  const blob = (digest: string, data: Buffer): TarWriterEntry => ({ name: `blobs/sha256/${digest.slice(7)}`, type: 'file', data });
  const tarball = path.join(work, 'multi.tar');
  await fsp.writeFile(tarball, writeTar([
    { name: 'oci-layout', type: 'file', data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    ...[amd, arm].flatMap((img) => [blob(img.config.digest, img.configBytes), blob(img.manifestDigest, img.manifestBytes), ...img.layers.map((l) => blob(l.desc.digest, l.blob))]),
    blob(indexDigest, index),
    { name: 'index.json', type: 'file', data: Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{
      mediaType: 'application/vnd.oci.image.index.v1+json', digest: indexDigest, size: index.length,
      annotations: { 'org.opencontainers.image.ref.name': 'localhost:5000/multi:v2' },
    }] })) },
  ]));
  const recs = await store.importFile(tarball);
  assert.deepEqual(recs.map((r) => r.id), [amd.imageId]);
  assert.deepEqual(recs[0]!.repoTags, ['localhost:5000/multi:v2']);
  assert.deepEqual(recs[0]!.repoDigests, [`localhost:5000/multi@${indexDigest}`]);
  assert.equal(store.status(arm.imageId), undefined);
  const root = path.join(work, 'store');
  assert.deepEqual((await fsp.readdir(path.join(root, 'blobs/sha256'))).sort(), [amd.config.digest, amd.manifestDigest, amd.layers[0]!.desc.digest].map((d) => d.slice(7)).sort(), 'the arm64 content is not kept');
});
