/**
 * load.ts: loads runtime.proto once with the options both ends of the gRPC contract share.
 * Field names are camelCase (keepCase: false), int64 values are JS numbers (longs: Number;
 * nanosecond timestamps lose sub-microsecond precision, which nobody reads), enums are their
 * string names ('CONTAINER_RUNNING'), and unset fields come back with their defaults.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** PROTO_LOADER_OPTIONS are the decoding options of the runtime contract (see the file comment). */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: true,
};

/** protoPath finds runtime.proto next to this module (source tree) or back in the source tree (dist/). */
export function protoPath(): string {
  const candidates = [
    fileURLToPath(new URL('./runtime.proto', import.meta.url)),
    fileURLToPath(new URL('../../../runtime/proto/runtime.proto', import.meta.url)),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`runtime.proto not found (looked in ${candidates.join(', ')})`);
  return found;
}

/** RuntimeV1Package is the loaded `runtime.v1` package: its service definitions and client constructors. */
export interface RuntimeV1Package {
  RuntimeService: grpc.ServiceClientConstructor;
  ImageService: grpc.ServiceClientConstructor;
}

let cached: RuntimeV1Package | undefined;

/** RuntimeRpc is one RPC of the runtime's services: its proto name ("RunPodSandbox") and grpc-js's definition (path, codecs). */
export type RuntimeRpc = [name: string, def: grpc.MethodDefinition<unknown, unknown>];

/** runtimeRpcs lists every RPC of RuntimeService and ImageService, for our gRPC client and server. */
export function runtimeRpcs(): RuntimeRpc[] {
  const pkg = loadRuntimeProto();
  return [...Object.entries(pkg.RuntimeService.service), ...Object.entries(pkg.ImageService.service)];
}

/** loadRuntimeProto parses runtime.proto once per process and returns the `runtime.v1` package. */
export function loadRuntimeProto(): RuntimeV1Package {
  if (cached) return cached;
  const def = protoLoader.loadSync(protoPath(), PROTO_LOADER_OPTIONS);
  const root = grpc.loadPackageDefinition(def) as unknown as { runtime: { v1: RuntimeV1Package } };
  cached = root.runtime.v1;
  return cached;
}
