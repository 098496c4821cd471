import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IMAGE_ERROR_CODES, isImageError } from '../../runtime/images/errors.js';
import { resolveImage } from '../../runtime/images/image-index.js';
import { formatReference, isLoopbackRegistry, parseReference, registryHost } from '../../runtime/images/reference.js';
import type { StoredImage } from '../../runtime/images/types.js';

const D = `sha256:${'ab'.repeat(32)}`;

test('references normalize as Docker does', () => {
  const cases: [string, string, string][] = [
    ['busybox', 'docker.io/library/busybox:latest', 'registry-1.docker.io'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36', 'registry-1.docker.io'],
    ['library/busybox', 'docker.io/library/busybox:latest', 'registry-1.docker.io'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest', 'registry-1.docker.io'],
    ['index.docker.io/library/busybox:x', 'docker.io/library/busybox:x', 'registry-1.docker.io'],
    ['someuser/app', 'docker.io/someuser/app:latest', 'registry-1.docker.io'],
    ['localhost:5000/app:v1', 'localhost:5000/app:v1', 'localhost:5000'],
    ['localhost/app', 'localhost/app:latest', 'localhost'],
    ['127.0.0.1:5000/team/app:v1.2-rc_3', '127.0.0.1:5000/team/app:v1.2-rc_3', '127.0.0.1:5000'],
    ['quay.io/org/sub/app', 'quay.io/org/sub/app:latest', 'quay.io'],
    [`busybox@${D}`, `docker.io/library/busybox@${D}`, 'registry-1.docker.io'],
    [`busybox:1.36@${D}`, `docker.io/library/busybox:1.36@${D}`, 'registry-1.docker.io'],
    ['my-registry.example.com:443/a.b/c__d/e-f', 'my-registry.example.com:443/a.b/c__d/e-f:latest', 'my-registry.example.com:443'],
  ];
  for (const [input, normalized, host] of cases) {
    const ref = parseReference(input);
    assert.equal(formatReference(ref), normalized, input);
    assert.equal(registryHost(ref), host, input);
  }
});

test('bad references fail with FLT_ERR_IMAGE_REFERENCE naming the input', () => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['Busybox', /lowercase/],
    ['busybox:', /tag ""/],
    ['busybox:-bad', /tag "-bad"/],
    ['busybox@sha256:123', /not sha256:<64 lowercase hex>/],
    ['busybox@md5', /is not a digest/],
    ['foo//bar', /path component ""/],
    ['foo/-bar', /path component "-bar"/],
    [':tag', /no repository name/],
    [' busybox', /whitespace/],
    ['a'.repeat(64), /image id/],
    [`${'x'.repeat(250)}/yyyyyyy`, /longer than 255/],
    ['bad_host:5000x/app', /registry host|path component/],
  ];
  for (const [input, why] of cases) {
    assert.throws(() => parseReference(input), (err: unknown) => {
      assert.ok(isImageError(err, 'FLT_ERR_IMAGE_REFERENCE'), `${input}: ${String(err)}`);
      assert.ok(err.message.includes(`"${input}"`), `message names the input: ${err.message}`);
      assert.match(err.message, why);
      return true;
    });
  }
});

test('loopback registries are the ones spoken to over plain HTTP', () => {
  assert.equal(isLoopbackRegistry('localhost:5000'), true);
  assert.equal(isLoopbackRegistry('127.0.0.1:41234'), true);
  assert.equal(isLoopbackRegistry('docker.io'), false);
  assert.equal(isLoopbackRegistry('localhost.example.com'), false);
});

test('images are found by name:tag, name@digest, id and unique short id', () => {
  const img = (id: string, tags: string[], digests: string[]): StoredImage => ({
    id, repoTags: tags, repoDigests: digests, size: 1, config: {}, manifestDigest: D, layers: [], diffIds: [], chainIds: [], created: '2024-01-01T00:00:00Z',
  });
  const a = img(`sha256:aaaa${'0'.repeat(60)}`, ['docker.io/library/busybox:latest'], [`docker.io/library/busybox@${D}`]);
  const b = img(`sha256:aaab${'1'.repeat(60)}`, ['localhost:5000/app:v1'], []);
  const all = [a, b];
  assert.equal(resolveImage(all, 'busybox'), a);
  assert.equal(resolveImage(all, 'docker.io/library/busybox:latest'), a);
  assert.equal(resolveImage(all, `busybox@${D}`), a);
  assert.equal(resolveImage(all, 'localhost:5000/app:v1'), b);
  assert.equal(resolveImage(all, a.id), a);
  assert.equal(resolveImage(all, a.id.slice(7)), a);
  assert.equal(resolveImage(all, 'aaab'), b);
  assert.equal(resolveImage(all, 'aaa'), undefined, 'too short');
  assert.equal(resolveImage(all, 'aaaa'), a);
  assert.equal(resolveImage(all, 'aaa0'), undefined, 'no id starts so');
  assert.equal(resolveImage(all, 'busybox:other'), undefined);
  assert.equal(resolveImage(all, 'localhost:5000/app:v2'), undefined);
  assert.equal(resolveImage(all, 'Not A Ref'), undefined);
});

test('every error code is documented and unique', () => {
  const codes = Object.keys(IMAGE_ERROR_CODES);
  assert.equal(new Set(codes).size, codes.length);
  for (const c of codes) assert.match(c, /^FLT_ERR_IMAGE_[A-Z_]+$/);
});
