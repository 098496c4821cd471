/**
 * The runtime process and the runtime's client speak gRPC with grpc/ over node:http2: loading
 * grpc-js as well would only cost them startup time and memory. This checks what each one loads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const DIST = fileURLToPath(new URL('../../', import.meta.url));

/** loadedPackages imports the modules in a fresh node and lists the node_modules packages it loaded. */
function loadedPackages(modules: string[]): string[] {
  const script = `
    const imports = ${JSON.stringify(modules.map((m) => new URL(m, `file://${DIST}`).href))};
    for (const m of imports) await import(m);
    const { createRequire } = await import('node:module');
    const cache = createRequire(import.meta.url).cache;
    const pkgs = new Set(Object.keys(cache).map((p) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(p)?.[1]).filter(Boolean));
    console.log(JSON.stringify([...pkgs].sort()));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as string[];
}

test('the runtime service (what `flotilla runtime` imports) loads no grpc-js', () => {
  const pkgs = loadedPackages(['cli/commands/runtime.js', 'runtime/service/wiring.js', 'runtime/service/server.js']);
  assert.ok(pkgs.includes('@grpc/proto-loader'), `the codecs come from proto-loader (loaded: ${pkgs.join(', ')})`);
  assert.ok(!pkgs.includes('@grpc/grpc-js'), `loaded: ${pkgs.join(', ')}`);
});

test('the runtime client (what the agent imports) loads no grpc-js', () => {
  const pkgs = loadedPackages(['runtime/client.js']);
  assert.ok(!pkgs.includes('@grpc/grpc-js'), `loaded: ${pkgs.join(', ')}`);
});
