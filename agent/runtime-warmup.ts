/**
 * Warms the gRPC codecs before the first pod arrives. protobufjs compiles each message type's
 * encoder and decoder on first use, which costs the first pods a few hundred milliseconds on both
 * ends. The agent's own are compiled locally from exemplars of every message (the calls below mostly
 * fail, which leaves the decoders of their answers cold); calls that change nothing (idempotent stops
 * of unknown ids, lookups that answer NOT_FOUND, a sandbox request refused by validation) warm the
 * runtime's end.
 */
import type { Pod } from '../api/types.js';
import type { RuntimeClient } from '../runtime/client.js';
import { containerConfig, sandboxConfig } from './container-config.js';

const NO_ID = 'flotilla-warmup-none';

/** warmUpRuntime compiles the agent's codecs, then runs the harmless calls in parallel and ignores their answers. */
export async function warmUpRuntime(runtime: RuntimeClient, rootDir: string): Promise<void> {
  runtime.warmCodecs();
  const pod: Pod = {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: 'warmup', namespace: 'warmup', uid: NO_ID },
    spec: { containers: [{ name: 'c', image: 'flotilla-warmup.invalid/none:0', env: [{ name: 'A', value: 'b' }], resources: { limits: { cpu: '1', memory: '1Mi' } } }] },
  };
  const sb = sandboxConfig(pod, 0, { rootDir });
  const labelSelector = { 'flotilla.io/warmup': NO_ID };
  const calls: Promise<unknown>[] = [
    runtime.status({}),
    runtime.listPodSandbox({ filter: { labelSelector } }),
    runtime.listContainers({ filter: { labelSelector } }),
    runtime.imageStatus({ image: { image: pod.spec.containers[0]!.image } }),
    runtime.podSandboxStatus({ podSandboxId: NO_ID }),
    runtime.containerStatus({ containerId: NO_ID }),
    runtime.startContainer({ containerId: NO_ID }),
    runtime.stopContainer({ containerId: NO_ID, timeout: 0 }),
    runtime.removeContainer({ containerId: NO_ID }),
    runtime.stopPodSandbox({ podSandboxId: NO_ID }),
    runtime.removePodSandbox({ podSandboxId: NO_ID }),
    runtime.execSync({ containerId: NO_ID, cmd: ['true'], timeout: 1 }),
    // Refused by validation (a relative log directory), so nothing is made.
    runtime.runPodSandbox({ config: { ...sb, logDirectory: 'warmup-relative' } }),
    // Refused: the sandbox does not exist.
    runtime.createContainer({ podSandboxId: NO_ID, config: containerConfig(pod, pod.spec.containers[0]!, 0, 0), sandboxConfig: sb }),
  ];
  await Promise.allSettled(calls);
}
