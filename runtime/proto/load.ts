/**
 * load.ts: loads runtime.proto once with the options both ends of the gRPC contract share.
 * Field names are camelCase (keepCase: false), int64 values are JS numbers (longs: Number;
 * nanosecond timestamps lose sub-microsecond precision, which nobody reads), enums are their
 * string names ('CONTAINER_RUNNING'), and unset fields come back with their defaults.
 *
 * Only proto-loader is needed for the paths and codecs: our client and server speak gRPC over
 * node:http2 themselves, so neither process loads grpc-js (tests that pit us against grpc-js
 * hand runtimeProtoDefinition() to its loadPackageDefinition).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as protoLoader from '@grpc/proto-loader';

/** PROTO_PACKAGE is the proto package of the runtime's services and messages. */
export const PROTO_PACKAGE = 'runtime.v1';

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

/** SERVICES are the runtime's gRPC services, in the order their RPCs are listed. */
const SERVICES = ['RuntimeService', 'ImageService'];

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

let cached: protoLoader.PackageDefinition | undefined;

/** runtimeProtoDefinition parses runtime.proto once per process: every service and message by full name ("runtime.v1.PodSandboxStatus"). */
export function runtimeProtoDefinition(): protoLoader.PackageDefinition {
  cached ??= protoLoader.loadSync(protoPath(), PROTO_LOADER_OPTIONS);
  return cached;
}

/** RuntimeRpc is one RPC of the runtime's services: its proto name ("RunPodSandbox") and proto-loader's definition (path, codecs, message types). */
export type RuntimeRpc = [name: string, def: protoLoader.MethodDefinition<object, object>];

/** runtimeRpcs lists every RPC of RuntimeService and ImageService, for our gRPC client and server. */
export function runtimeRpcs(): RuntimeRpc[] {
  const def = runtimeProtoDefinition();
  return SERVICES.flatMap((s) => Object.entries(def[`${PROTO_PACKAGE}.${s}`] as protoLoader.ServiceDefinition));
}

/** messageType finds a message of the package by its short name ("PodSandboxStatusResponse"), undefined when there is none. */
export function messageType(name: string): protoLoader.MessageTypeDefinition<object, object> | undefined {
  const t = runtimeProtoDefinition()[`${PROTO_PACKAGE}.${name}`] as protoLoader.MessageTypeDefinition<object, object> | undefined;
  return t?.format === 'Protocol Buffer 3 DescriptorProto' ? t : undefined;
}
