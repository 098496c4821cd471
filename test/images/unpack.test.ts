import assert from 'node:assert/strict';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isImageError } from '../../runtime/images/errors.js';
import { sha256Digest } from '../../runtime/images/oci.js';
import { readTar, writeTar, type TarWriterEntry } from '../../runtime/images/tar.js';
import { unpackLayer } from '../../runtime/images/unpack.js';
import { requireRoot } from '../helpers/root.js';
import { dir, file, hardlink, listTree, symlink, tempDir, whiteout } from './fixtures.js';

async function unpack(root: string, name: string, entries: TarWriterEntry[], lowers: string[] = [], opts: { gzip?: boolean; diffId?: string } = {}): Promise<string> {
  const tar = writeTar(entries);
  const target = path.join(root, 'layers', name);
  await fsp.mkdir(path.join(root, 'layers'), { recursive: true });
  await fsp.mkdir(path.join(root, 'tmp'), { recursive: true });
  await unpackLayer({
    source: [opts.gzip === false ? tar : gzipSync(tar)],
    diffId: opts.diffId ?? sha256Digest(tar),
    lowerDirs: lowers,
    target,
    tmpDir: path.join(root, 'tmp'),
  });
  return target;
}

test('the tar writer and reader round-trip names, long names, links and modes', async () => {
  const long = `${'d'.repeat(80)}/${'f'.repeat(80)}.txt`;
  const tar = writeTar([dir('a', 0o700), file('a/b', 'hello', 0o4755, 1000, 1001), symlink('a/s', '../x'), hardlink('a/h', 'a/b'), file(long, 'long')]);
  const seen: { name: string; type: string; mode: number; uid: number; linkname: string; body: string }[] = [];
  for await (const e of readTar([tar])) {
    let body = '';
    for await (const c of e.body()) body += c.toString();
    seen.push({ name: e.name, type: e.type, mode: e.mode, uid: e.uid, linkname: e.linkname, body });
  }
  assert.deepEqual(seen.map((s) => [s.name, s.type]), [['a', 'dir'], ['a/b', 'file'], ['a/s', 'symlink'], ['a/h', 'hardlink'], [long, 'file']]);
  assert.equal(seen[1]!.mode, 0o4755);
  assert.equal(seen[1]!.uid, 1000);
  assert.equal(seen[1]!.body, 'hello');
  assert.equal(seen[2]!.linkname, '../x');
  assert.equal(seen[4]!.body, 'long');
  const corrupt = Buffer.from(tar);
  corrupt[10] = 0x41;
  await assert.rejects(async () => { for await (const _ of readTar([corrupt])) void _; }, /checksum mismatch/);
});

test('a layer keeps modes, owners, symlinks, hardlinks and times', async (t) => {
  if (!requireRoot(t, 'chown of unpacked files')) return;
  const root = await tempDir('unpack');
  t.after(() => fsp.rm(root, { recursive: true, force: true }));
  const layer = await unpack(root, 'l1', [
    dir('bin'), file('bin/tool', '#!/bin/sh\n', 0o4755, 0, 0), file('home/u/notes', 'mine', 0o600, 1000, 1000),
    symlink('bin/sh', 'tool'), symlink('abs', '/etc/passwd'), hardlink('bin/tool2', 'bin/tool'), dir('tmp', 0o1777),
  ], [], { gzip: false });
  const tool = await fsp.stat(path.join(layer, 'bin/tool'));
  assert.equal(tool.mode & 0o7777, 0o4755, 'setuid bit kept after chown');
  const notes = await fsp.stat(path.join(layer, 'home/u/notes'));
  assert.deepEqual([notes.uid, notes.gid, notes.mode & 0o777], [1000, 1000, 0o600]);
  assert.equal(await fsp.readFile(path.join(layer, 'home/u/notes'), 'utf8'), 'mine');
  assert.equal((await fsp.stat(path.join(layer, 'home'))).mode & 0o777, 0o755, 'implied parents get 0755');
  assert.equal(await fsp.readlink(path.join(layer, 'bin/sh')), 'tool');
  assert.equal(await fsp.readlink(path.join(layer, 'abs')), '/etc/passwd', 'absolute symlinks are kept, not followed');
  assert.equal((await fsp.stat(path.join(layer, 'bin/tool2'))).ino, tool.ino, 'hardlink shares the inode');
  assert.equal((await fsp.stat(path.join(layer, 'tmp'))).mode & 0o7777, 0o1777);
  assert.equal(tool.mtimeMs, 0, 'mtime from the archive');
  assert.deepEqual(await listTree(path.join(root, 'tmp')), [], 'no work left in tmp');
});

test('whiteouts become overlay 0/0 devices; an opaque dir hides every lower name', async (t) => {
  if (!requireRoot(t, 'mknod of whiteouts')) return;
  const root = await tempDir('unpack');
  t.after(() => fsp.rm(root, { recursive: true, force: true }));
  const l1 = await unpack(root, 'l1', [dir('etc'), file('etc/a', 'a'), file('etc/b', 'b'), dir('d'), file('d/x', 'x'), file('d/y', 'y'), dir('gone'), file('gone/f', 'f')]);
  const l2 = await unpack(root, 'l2', [whiteout('etc', 'a'), dir('d'), file('d/.wh..wh..opq', ''), file('d/z', 'z'), whiteout('', 'gone'), dir('gone'), file('gone/new', 'n')], [l1]);
  const wa = await fsp.lstat(path.join(l2, 'etc/a'));
  assert.ok(wa.isCharacterDevice(), 'etc/a is a whiteout');
  assert.equal(wa.rdev, 0, 'device 0/0');
  assert.deepEqual((await fsp.readdir(path.join(l2, 'etc'))).sort(), ['a'], 'only the whiteout, no .wh. file');
  const d = (await fsp.readdir(path.join(l2, 'd'))).sort();
  assert.deepEqual(d, ['x', 'y', 'z']);
  assert.ok((await fsp.lstat(path.join(l2, 'd/x'))).isCharacterDevice());
  assert.ok((await fsp.lstat(path.join(l2, 'd/y'))).isCharacterDevice());
  assert.equal(await fsp.readFile(path.join(l2, 'd/z'), 'utf8'), 'z');
  assert.ok((await fsp.lstat(path.join(l2, 'gone/f'))).isCharacterDevice(), 'a dir re-made over its own whiteout is opaque');
  assert.equal(await fsp.readFile(path.join(l2, 'gone/new'), 'utf8'), 'n');
});

test('entries that would escape the layer are refused and nothing is written', async (t) => {
  if (!requireRoot(t, 'chown of unpacked files')) return;
  const root = await tempDir('unpack');
  t.after(() => fsp.rm(root, { recursive: true, force: true }));
  const outside = path.join(root, 'outside');
  await fsp.mkdir(outside);
  const cases: [string, TarWriterEntry[], RegExp][] = [
    ['dotdot', [file('../outside/pwned', 'x')], /"..\/outside\/pwned" escapes the layer directory/],
    ['nested-dotdot', [dir('a'), file('a/../../outside/pwned', 'x')], /escapes the layer directory/],
    ['symlink-parent', [symlink('evil', outside), file('evil/pwned', 'x')], /entry "evil\/pwned" goes through the symlink "evil"/],
    ['relative-symlink-parent', [symlink('evil', '../../outside'), file('evil/pwned', 'x')], /goes through the symlink "evil"/],
    ['hardlink-out', [hardlink('h', '../outside/x')], /escapes the layer directory/],
  ];
  for (const [name, entries, why] of cases) {
    await assert.rejects(unpack(root, name, entries), (err: unknown) => {
      assert.ok(isImageError(err, 'FLT_ERR_IMAGE_LAYER_UNSAFE'), `${name}: ${String(err)}`);
      assert.match((err as Error).message, why);
      return true;
    });
    assert.deepEqual(await listTree(outside), [], `${name}: nothing written outside`);
    assert.deepEqual(await listTree(path.join(root, 'layers')), [], `${name}: no layer dir`);
    assert.deepEqual(await listTree(path.join(root, 'tmp')), [], `${name}: no temp dir`);
  }
});

test('a layer whose content does not hash to its diff id is refused and leaves nothing', async (t) => {
  if (!requireRoot(t, 'chown of unpacked files')) return;
  const root = await tempDir('unpack');
  t.after(() => fsp.rm(root, { recursive: true, force: true }));
  const wrong = `sha256:${'0'.repeat(64)}`;
  await assert.rejects(unpack(root, 'bad', [file('a', 'a')], [], { diffId: wrong }), (err: unknown) => {
    assert.ok(isImageError(err, 'FLT_ERR_IMAGE_DIGEST_MISMATCH'));
    assert.match((err as Error).message, new RegExp(`layer ${wrong}`));
    return true;
  });
  assert.deepEqual(await listTree(root), ['layers', 'tmp']);
});

test('a hardlink to a lower layer copies the file, never through a lower symlink', async (t) => {
  if (!requireRoot(t, 'chown of unpacked files')) return;
  const root = await tempDir('unpack');
  t.after(() => fsp.rm(root, { recursive: true, force: true }));
  const l1 = await unpack(root, 'l1', [dir('etc'), file('etc/real', 'from layer 1'), symlink('evil', '/'), symlink('rel', '../../..')]);
  const l2 = await unpack(root, 'l2', [hardlink('copy', 'etc/real')], [l1]);
  assert.equal(await fsp.readFile(path.join(l2, 'copy'), 'utf8'), 'from layer 1');
  for (const target of ['evil/etc/hostname', 'rel/etc/hostname']) {
    await assert.rejects(unpack(root, `l3-${target.split('/')[0]}`, [hardlink('leak', target)], [l1]), (err: unknown) =>
      isImageError(err, 'FLT_ERR_IMAGE_FORMAT') && err.message.includes(`points at "${target}", which no layer holds as a file`));
  }
  assert.deepEqual(await fsp.readdir(path.join(root, 'layers')), ['l1', 'l2']);
});

test('many whiteouts are made in batches; a path re-made under its own whiteout hides the lower one', async (t) => {
  if (!requireRoot(t, 'mknod of whiteouts')) return;
  const root = await tempDir('unpack');
  t.after(() => fsp.rm(root, { recursive: true, force: true }));
  const names = Array.from({ length: 600 }, (_, i) => `f${i}`);
  const l1 = await unpack(root, 'l1', [dir('many'), ...names.map((n) => file(`many/${n}`, n)), dir('old'), file('old/f', 'f'), file('old/g', 'g')]);
  const l2 = await unpack(root, 'l2', [...names.slice(0, 550).map((n) => whiteout('many', n)), whiteout('', 'old'), file('old/new', 'n')], [l1]);
  const many = await fsp.readdir(path.join(l2, 'many'));
  assert.equal(many.length, 550);
  for (const n of many) assert.ok((await fsp.lstat(path.join(l2, 'many', n))).isCharacterDevice(), n);
  assert.deepEqual((await fsp.readdir(path.join(l2, 'old'))).sort(), ['f', 'g', 'new']);
  assert.ok((await fsp.lstat(path.join(l2, 'old/f'))).isCharacterDevice(), 'old/f hidden: old/ came back as an opaque directory');
  assert.equal(await fsp.readFile(path.join(l2, 'old/new'), 'utf8'), 'n');
});
