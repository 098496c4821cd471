import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
/** message checks an error's message (not its "Name: message" string) against a pattern. */
function message(re: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.match((e as Error).message, re);
    return true;
  };
}
import { loadManifests, parseManifestText, resourceOfManifest, targetNamespace, ManifestError } from '../../cli/flotctl/manifests.js';

const pod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - name: c\n    image: busybox\n`;

test('multi-document YAML gives one manifest per non-empty document with its index and line', () => {
  const text = `${pod('a')}---\n# only a comment\n---\n${pod('b')}`;
  const ms = parseManifestText(text, 'web.yaml');
  assert.deepEqual(ms.map((m) => [m.object.metadata.name, m.document, m.line]), [['a', 1, 1], ['b', 3, 12]]);
});

test('a YAML syntax error names file:line:col', () => {
  const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n';
  assert.throws(() => parseManifestText(text, 'web.yaml'), (e: Error) => {
    assert.ok(e instanceof ManifestError);
    assert.match(e.message, /^web\.yaml:\d+:\d+: /);
    return true;
  });
  assert.throws(() => parseManifestText('a: 1\n  b: 2\n', 'bad.yaml'), message(/^bad\.yaml:1:4: Nested mappings are not allowed in compact mappings$/));
});

test('JSON is read through the YAML parser, with positions for its errors too', () => {
  const ms = parseManifestText(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } }), 'ns.json');
  assert.equal(ms[0].object.kind, 'Namespace');
  assert.throws(() => parseManifestText('{"apiVersion": "v1",\n "kind": "Pod"', 'x.json'), message(/^x\.json:\d+:\d+: /));
});

test('a document without kind or apiVersion names file and document', () => {
  const text = `${pod('a')}---\napiVersion: v1\nmetadata:\n  name: b\n`;
  assert.throws(() => parseManifestText(text, 'web.yaml'), message(/^web\.yaml: document 2 \(line 10\): "kind" not set$/));
  assert.throws(() => parseManifestText('kind: Pod\n', 'p.yaml'), /"apiVersion" not set/);
  assert.throws(() => parseManifestText('- a\n- b\n', 'l.yaml'), /document 1 .*expected an object/);
});

test('kind: List is expanded into its items', () => {
  const list = { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } }, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'y' } }] };
  assert.deepEqual(parseManifestText(JSON.stringify(list), 'l.json').map((m) => m.object.metadata.name), ['x', 'y']);
});

test('an unknown kind or a wrong apiVersion is an error naming the document', () => {
  const [m] = parseManifestText('apiVersion: v1\nkind: Widget\nmetadata: {name: w}\n', 'w.yaml');
  assert.throws(() => resourceOfManifest(m), message(/^w\.yaml: document 1 \(line 1\): no matches for kind "Widget" in version "v1"/));
  const [d] = parseManifestText('apiVersion: v1\nkind: Deployment\nmetadata: {name: d}\n', 'd.yaml');
  assert.throws(() => resourceOfManifest(d), /Deployment is served as apiVersion apps\/v1/);
});

test('targetNamespace takes the object namespace, else -n, and refuses a clash', () => {
  const [m] = parseManifestText(pod('a'), 'a.yaml');
  const r = resourceOfManifest(m);
  assert.equal(targetNamespace(m, r, 'default', false), 'default');
  const [m2] = parseManifestText(pod('a').replace('  name: a', '  name: a\n  namespace: team'), 'a.yaml');
  assert.equal(targetNamespace(m2, r, 'default', false), 'team');
  assert.throws(() => targetNamespace(m2, r, 'other', true), /does not match the namespace "other"/);
});

test('loadManifests reads a directory (sorted, .yaml/.yml/.json only), files and stdin', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-manifests-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'b.yaml'), pod('b'));
  writeFileSync(join(dir, 'a.yml'), pod('a'));
  writeFileSync(join(dir, 'c.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'c' } }));
  writeFileSync(join(dir, 'notes.txt'), 'not a manifest');
  const fromDir = await loadManifests([dir], Readable.from([]));
  assert.deepEqual(fromDir.map((m) => m.object.metadata.name), ['a', 'b', 'c']);
  const fromStdin = await loadManifests(['-'], Readable.from([Buffer.from(pod('s'))]));
  assert.equal(fromStdin[0].source, 'STDIN');
  await assert.rejects(loadManifests([join(dir, 'missing.yaml')], Readable.from([])), /does not exist/);
  writeFileSync(join(dir, 'empty.yaml'), '---\n');
  await assert.rejects(loadManifests([join(dir, 'empty.yaml')], Readable.from([])), /no objects found/);
});
