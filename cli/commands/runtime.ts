/**
 * `flotilla runtime`: serves the CRI-style runtime service on a unix socket, and
 * `flotilla runtime import FILE` puts an image file into the store without a running service.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_RUNTIME_SOCKET } from '../../runtime/socket.js';

/** DEFAULT_ROOT_DIR is where the runtime keeps its state unless --root-dir says otherwise. */
export const DEFAULT_ROOT_DIR = '/var/lib/flotilla/runtime';

const USAGE = `Usage:
  flotilla runtime [--socket PATH] [--root-dir DIR] [--cgroup-parent P] [--pod-cidr CIDR] [--bridge NAME]
      serve RuntimeService and ImageService (needs root)
      --socket PATH       unix socket to serve on (default ${DEFAULT_RUNTIME_SOCKET})
      --root-dir DIR      state, images and container bundles (default ${DEFAULT_ROOT_DIR})
      --cgroup-parent P   cgroup under which pod cgroups are made (default /flotilla)
      --pod-cidr CIDR     pod addresses, until UpdateRuntimeConfig sets them (e.g. 10.244.1.0/24)
      --bridge NAME       the pod bridge (default flt0)
  flotilla runtime import FILE [--tag NAME:TAG] [--root-dir DIR]
      import an OCI image layout or docker-save tarball into the image store
`;

/** requireRoot refuses a non-root user; the message follows the command's own prefix ("flotilla runtime: "). */
function requireRoot(verb?: string): void {
  if (process.getuid?.() !== 0) throw new Error(`${verb ? `${verb} ` : ''}needs root (namespaces, cgroups, mounts, veths); run it with sudo`);
}

/** run starts the service, or imports an image with the `import` verb. */
export async function run(args: string[]): Promise<number> {
  if (args.includes('-h') || args.includes('--help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args[0] === 'import') return runImport(args.slice(1));
  const { values, positionals } = parseArgs({
    args,
    options: {
      socket: { type: 'string', default: DEFAULT_RUNTIME_SOCKET },
      'root-dir': { type: 'string', default: DEFAULT_ROOT_DIR },
      'cgroup-parent': { type: 'string' },
      'pod-cidr': { type: 'string' },
      bridge: { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}"\n\n${USAGE}`);
  requireRoot();
  const { openRuntime } = await import('../../runtime/service/wiring.js');
  const { serveRuntime, claimSocket } = await import('../../runtime/service/server.js');
  await claimSocket(values.socket!); // before touching the root: a second runtime must not disturb the first
  const { runtime, images } = await openRuntime({
    root: values['root-dir']!,
    cgroupParent: values['cgroup-parent'],
    podCidr: values['pod-cidr'],
    bridge: values.bridge,
  });
  const server = await serveRuntime(runtime, images, values.socket!);
  const known = runtime.ctx.store;
  process.stderr.write(
    `flotilla runtime: serving on ${values.socket} (root ${values['root-dir']}, ` +
      `${known.listSandboxes().length} sandboxes, ${known.listContainers().length} containers known, ` +
      `pod CIDR ${runtime.ctx.network.podCidr ?? 'not set'})\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = (sig: string): void => {
      process.stderr.write(`flotilla runtime: ${sig}: stopping the service (containers keep running)\n`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await server.close();
  return 0;
}

async function runImport(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: {
      'root-dir': { type: 'string', default: DEFAULT_ROOT_DIR },
      tag: { type: 'string' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new Error(`import takes exactly one FILE\n\n${USAGE}`);
  requireRoot('import');
  const { ImageStore } = await import('../../runtime/images/image-store.js');
  const { join } = await import('node:path');
  const store = new ImageStore(join(values['root-dir']!, 'images'));
  await store.init();
  const imported = await store.importFile(positionals[0]!, values.tag ? { tag: values.tag } : {});
  for (const img of imported) {
    process.stdout.write(`imported ${img.repoTags.join(', ') || '<untagged>'} ${img.id}\n`);
  }
  return 0;
}
