import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { test } from 'node:test';
import { isImageError } from '../../runtime/images/errors.js';
import { buildBusyboxImage } from '../../runtime/images/example-image.js';
import { ImageStore } from '../../runtime/images/image-store.js';
import { isMountPoint } from '../../runtime/images/rootfs.js';
import { requireRoot } from '../helpers/root.js';
import { dir, dockerSaveTar, file, listTree, makeImage, tempDir, whiteout } from './fixtures.js';

async function exists(p: string): Promise<boolean> {
  return fsp.lstat(p).then(() => true, () => false);
}

test('a container rootfs is an overlay of the image layers under its own upper dir', async (t) => {
  if (!requireRoot(t, 'overlay mounts')) return;
  const work = await tempDir('rootfs');
  const containers = path.join(work, 'containers');
  t.after(async () => {
    for (const c of ['c1', 'c2']) {
      const target = path.join(containers, c, 'rootfs');
      if (await isMountPoint(target).catch(() => false)) execFileSync('umount', ['-l', target]);
    }
    await fsp.rm(work, { recursive: true, force: true });
  });
  const root = path.join(work, 'store');
  const store = new ImageStore(root);
  await store.init();

  const busyboxTar = path.join(work, 'busybox.tar');
  await buildBusyboxImage(busyboxTar);
  const [busybox] = await store.importFile(busyboxTar);
  const img = makeImage([
    [dir('etc'), file('etc/keep', 'kept'), file('etc/secret', 'hidden by layer 2'), dir('data'), file('data/old1', 'o'), file('data/old2', 'o')],
    [whiteout('etc', 'secret'), dir('data'), file('data/.wh..wh..opq', ''), file('data/new', 'fresh')],
  ], { gzip: false });
  const save = path.join(work, 'layers.tar');
  await fsp.writeFile(save, dockerSaveTar(img, ['layers:test']));
  await store.importFile(save);

  const c1 = path.join(containers, 'c1');
  const { rootfs, config } = await store.prepareRootfs('busybox', 'c1', c1);
  assert.equal(rootfs, path.join(c1, 'rootfs'));
  assert.deepEqual(config.cmd, ['sh']);
  assert.ok(await isMountPoint(rootfs), 'the rootfs is mounted');
  assert.equal(execFileSync('chroot', [rootfs, '/bin/sh', '-c', 'echo hi from $(cat /etc/hostname)busybox; id -u'], { encoding: 'utf8' }), 'hi from busybox\n0\n');
  await fsp.writeFile(path.join(rootfs, 'tmp/written'), 'by the container');
  await fsp.rm(path.join(rootfs, 'etc/passwd'));
  assert.equal(await fsp.readFile(path.join(c1, 'upper/tmp/written'), 'utf8'), 'by the container', 'writes land in the upper dir');
  assert.ok((await fsp.lstat(path.join(c1, 'upper/etc/passwd'))).isCharacterDevice(), 'a delete is a whiteout in the upper dir');
  const layerDirs = await fsp.readdir(path.join(root, 'layers'));
  for (const l of layerDirs) assert.equal(await exists(path.join(root, 'layers', l, 'tmp/written')), false, 'layers are untouched');
  const withPasswd = [];
  for (const l of layerDirs) if ((await fsp.lstat(path.join(root, 'layers', l, 'etc/passwd')).catch(() => undefined))?.isFile()) withPasswd.push(l);
  assert.equal(withPasswd.length, 1, 'the busybox layer still has /etc/passwd');

  const c2 = path.join(containers, 'c2');
  const second = await store.prepareRootfs('layers:test', 'c2', c2);
  assert.equal(await fsp.readFile(path.join(second.rootfs, 'etc/keep'), 'utf8'), 'kept');
  assert.equal(await exists(path.join(second.rootfs, 'etc/secret')), false, 'a whiteout in the top layer hides the lower file');
  assert.deepEqual((await fsp.readdir(path.join(second.rootfs, 'data'))).sort(), ['new'], 'an opaque dir hides the lower content');
  assert.equal(await exists(path.join(second.rootfs, 'tmp/written')), false, 'containers do not share writes');

  await assert.rejects(store.remove('busybox'), (err: unknown) => isImageError(err, 'FLT_ERR_IMAGE_IN_USE') && err.message.includes('c1'));
  const restarted = new ImageStore(root);
  await restarted.init();
  await assert.rejects(restarted.remove('layers:test'), (err: unknown) => isImageError(err, 'FLT_ERR_IMAGE_IN_USE'), 'leases survive a restart');
  assert.equal((await restarted.prepareRootfs('busybox', 'c1', c1)).rootfs, rootfs, 'prepare again finds the mounted rootfs');
  assert.equal(await fsp.readFile(path.join(rootfs, 'tmp/written'), 'utf8'), 'by the container');

  await restarted.releaseRootfs('c1', c1);
  await restarted.releaseRootfs('c2', c2);
  await restarted.releaseRootfs('c2', c2); // idempotent
  for (const c of [c1, c2]) {
    assert.equal(await isMountPoint(path.join(c, 'rootfs')), false, 'no mount left');
    assert.deepEqual(await listTree(c), [], `nothing left in ${c}`);
  }
  assert.equal((await fsp.readFile('/proc/self/mountinfo', 'utf8')).includes(work), false, 'no mount under the test dir');
  await restarted.remove('busybox');
  await restarted.remove('layers:test');
  assert.deepEqual(await listTree(root), ['blobs', 'blobs/sha256', 'images', 'l', 'layers', 'leases', 'tmp']);
});

test('prepareRootfs of an unknown image or with a bad container id fails clearly', async (t) => {
  if (!requireRoot(t, 'overlay mounts')) return;
  const work = await tempDir('rootfs');
  t.after(() => fsp.rm(work, { recursive: true, force: true }));
  const store = new ImageStore(path.join(work, 'store'));
  await store.init();
  await assert.rejects(store.prepareRootfs('nosuch:image', 'c1', path.join(work, 'c1')), (err: unknown) =>
    isImageError(err, 'FLT_ERR_IMAGE_NOT_FOUND') && err.message.includes('"nosuch:image"'));
  const tarball = path.join(work, 'bb.tar');
  await buildBusyboxImage(tarball);
  await store.importFile(tarball);
  await assert.rejects(store.prepareRootfs('busybox', '../evil', path.join(work, 'c1')), (err: unknown) =>
    isImageError(err, 'FLT_ERR_IMAGE_ROOTFS') && err.message.includes('"../evil"'));
  assert.equal(await exists(path.join(work, 'c1')), false);
});

test('an image of 60 layers mounts (short layer links keep the overlay options under a page)', async (t) => {
  if (!requireRoot(t, 'overlay mounts')) return;
  const work = await tempDir('rootfs');
  const target = path.join(work, 'c', 'rootfs');
  t.after(async () => {
    if (await isMountPoint(target).catch(() => false)) execFileSync('umount', ['-l', target]);
    await fsp.rm(work, { recursive: true, force: true });
  });
  const store = new ImageStore(path.join(work, 'store'));
  await store.init();
  const img = makeImage(Array.from({ length: 60 }, (_, i) => [file(`f${i}`, String(i))]), { gzip: false });
  await fsp.writeFile(path.join(work, 'many.tar'), dockerSaveTar(img, ['many:layers']));
  await store.importFile(path.join(work, 'many.tar'));
  const { rootfs } = await store.prepareRootfs('many:layers', 'c', path.join(work, 'c'));
  assert.equal((await fsp.readdir(rootfs)).length, 60);
  assert.equal(await fsp.readFile(path.join(rootfs, 'f0'), 'utf8'), '0');
  assert.equal(await fsp.readFile(path.join(rootfs, 'f59'), 'utf8'), '59');
  await store.releaseRootfs('c', path.join(work, 'c'));
  await store.remove('many:layers');
  assert.deepEqual(await listTree(path.join(work, 'store', 'l')), [], 'short links go with their layers');
});

test('the mount point and the upper/work dirs may live apart; a release copes with a mount already gone', async (t) => {
  if (!requireRoot(t, 'overlay mounts')) return;
  const work = await tempDir('rootfs');
  const mountDir = path.join(work, 'run', 'c1');
  const rwDir = path.join(work, 'disk', 'c1');
  t.after(async () => {
    if (await isMountPoint(path.join(mountDir, 'rootfs')).catch(() => false)) execFileSync('umount', ['-l', path.join(mountDir, 'rootfs')]);
    await fsp.rm(work, { recursive: true, force: true });
  });
  const store = new ImageStore(path.join(work, 'store'));
  await store.init();
  await buildBusyboxImage(path.join(work, 'bb.tar'));
  await store.importFile(path.join(work, 'bb.tar'));
  const { rootfs } = await store.prepareRootfs('busybox', 'c1', mountDir, rwDir);
  assert.equal(rootfs, path.join(mountDir, 'rootfs'));
  await fsp.writeFile(path.join(rootfs, 'tmp/written'), 'x');
  assert.equal(await fsp.readFile(path.join(rwDir, 'upper/tmp/written'), 'utf8'), 'x', 'writes land in the rw dir');
  assert.deepEqual((await listTree(mountDir)).filter((p) => !p.startsWith('rootfs/')), ['rootfs'], 'only the mount point is in the mount dir');
  await store.releaseRootfs('c1', mountDir, rwDir);
  assert.equal(await isMountPoint(rootfs), false);
  assert.deepEqual([await listTree(mountDir), await listTree(rwDir)], [[], []]);

  // Unmounted behind the store's back (as after a reboot's umount): the release still cleans up.
  await store.prepareRootfs('busybox', 'c2', mountDir, rwDir);
  execFileSync('umount', [rootfs]);
  await store.releaseRootfs('c2', mountDir, rwDir);
  assert.deepEqual([await listTree(mountDir), await listTree(rwDir)], [[], []]);
  await store.remove('busybox');
});

test('leases may live apart from the store (the runtime keeps them on its tmpfs); an older store\'s leases are taken over', async (t) => {
  if (!requireRoot(t, 'overlay mounts')) return;
  const work = await tempDir('rootfs');
  const [c1, c2] = ['c1', 'c2'].map((c) => path.join(work, 'containers', c));
  t.after(async () => {
    for (const c of [c1!, c2!]) {
      const target = path.join(c, 'rootfs');
      if (await isMountPoint(target).catch(() => false)) execFileSync('umount', ['-l', target]);
    }
    await fsp.rm(work, { recursive: true, force: true });
  });
  const root = path.join(work, 'store');
  const older = new ImageStore(root);
  await older.init();
  await buildBusyboxImage(path.join(work, 'bb.tar'));
  await older.importFile(path.join(work, 'bb.tar'));
  await older.prepareRootfs('busybox', 'c1', c1!);
  assert.deepEqual(await listTree(path.join(root, 'leases')), ['c1.json']);

  const leaseDir = path.join(work, 'run', 'leases');
  const store = new ImageStore(root, { leaseDir });
  await store.init();
  assert.deepEqual([await listTree(leaseDir), await listTree(path.join(root, 'leases'))], [['c1.json'], []], 'the older lease moved');
  await assert.rejects(store.remove('busybox'), (err: unknown) => isImageError(err, 'FLT_ERR_IMAGE_IN_USE') && err.message.includes('c1'));
  const { rootfs } = await store.prepareRootfs('busybox', 'c2', c2!);
  assert.ok(await isMountPoint(rootfs));
  assert.deepEqual([await listTree(leaseDir), await listTree(path.join(root, 'leases'))], [['c1.json', 'c2.json'], []]);
  await store.releaseRootfs('c1', c1!);
  await store.releaseRootfs('c2', c2!);
  assert.deepEqual(await listTree(leaseDir), []);
  await store.remove('busybox');
});
