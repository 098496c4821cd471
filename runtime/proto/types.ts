/**
 * types.ts: TypeScript shapes of the runtime.proto messages as the proto-loader objects carry
 * them (camelCase fields, int64 as number, enums as their names). Request fields are optional
 * (unset means the proto default); response objects always carry every field (defaults: true),
 * with unset sub-messages as null.
 */

/** Labels is a proto map<string,string>. */
export type StringMap = Record<string, string>;

export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type MountPropagation = 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';

export interface VersionResponse {
  version: string;
  runtimeName: string;
  runtimeVersion: string;
  runtimeApiVersion: string;
}

export interface DNSConfig { servers?: string[]; searches?: string[]; options?: string[] }
export interface PortMapping { protocol?: Protocol; containerPort?: number; hostPort?: number; hostIp?: string }
export interface Mount {
  containerPath?: string;
  hostPath?: string;
  readonly?: boolean;
  selinuxRelabel?: boolean;
  propagation?: MountPropagation;
}
export interface NamespaceOption { network?: NamespaceMode; pid?: NamespaceMode; ipc?: NamespaceMode; targetId?: string }
export interface Int64Value { value: number }

export interface LinuxContainerResources {
  cpuPeriod?: number;
  cpuQuota?: number;
  cpuShares?: number;
  memoryLimitInBytes?: number;
  oomScoreAdj?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  unified?: StringMap;
  memorySwapLimitInBytes?: number;
}

export interface LinuxSandboxSecurityContext {
  namespaceOptions?: NamespaceOption | null;
  runAsUser?: Int64Value | null;
  readonlyRootfs?: boolean;
  privileged?: boolean;
}

export interface LinuxPodSandboxConfig {
  cgroupParent?: string;
  securityContext?: LinuxSandboxSecurityContext | null;
  sysctls?: StringMap;
  overhead?: LinuxContainerResources | null;
  resources?: LinuxContainerResources | null;
}

export interface PodSandboxMetadata { name?: string; uid?: string; namespace?: string; attempt?: number }

export interface PodSandboxConfig {
  metadata?: PodSandboxMetadata | null;
  hostname?: string;
  logDirectory?: string;
  dnsConfig?: DNSConfig | null;
  portMappings?: PortMapping[];
  labels?: StringMap;
  annotations?: StringMap;
  linux?: LinuxPodSandboxConfig | null;
}

export interface PodSandboxNetworkStatus { ip: string; additionalIps: { ip: string }[] }

export interface PodSandboxStatus {
  id: string;
  metadata: Required<PodSandboxMetadata>;
  state: PodSandboxState;
  createdAt: number;
  network: PodSandboxNetworkStatus | null;
  linux: { namespaces: { options: NamespaceOption | null } | null } | null;
  labels: StringMap;
  annotations: StringMap;
  runtimeHandler: string;
}

export interface PodSandboxStatusResponse {
  status: PodSandboxStatus;
  info: StringMap;
  containersStatuses: ContainerStatus[];
  timestamp: number;
}

export interface PodSandboxFilter {
  id?: string;
  state?: { state: PodSandboxState } | null;
  labelSelector?: StringMap;
}

export interface PodSandbox {
  id: string;
  metadata: Required<PodSandboxMetadata>;
  state: PodSandboxState;
  createdAt: number;
  labels: StringMap;
  annotations: StringMap;
  runtimeHandler: string;
}

export interface ImageSpec { image?: string; annotations?: StringMap; userSpecifiedImage?: string }
export interface KeyValue { key: string; value: string }

export interface LinuxContainerSecurityContext {
  capabilities?: { addCapabilities?: string[]; dropCapabilities?: string[] } | null;
  privileged?: boolean;
  namespaceOptions?: NamespaceOption | null;
  runAsUser?: Int64Value | null;
  runAsUsername?: string;
  readonlyRootfs?: boolean;
  noNewPrivs?: boolean;
  runAsGroup?: Int64Value | null;
}

export interface ContainerMetadata { name?: string; attempt?: number }

export interface ContainerConfig {
  metadata?: ContainerMetadata | null;
  image?: ImageSpec | null;
  command?: string[];
  args?: string[];
  workingDir?: string;
  envs?: KeyValue[];
  mounts?: Mount[];
  labels?: StringMap;
  annotations?: StringMap;
  logPath?: string;
  stdin?: boolean;
  stdinOnce?: boolean;
  tty?: boolean;
  linux?: { resources?: LinuxContainerResources | null; securityContext?: LinuxContainerSecurityContext | null } | null;
}

export interface ContainerFilter {
  id?: string;
  state?: { state: ContainerState } | null;
  podSandboxId?: string;
  labelSelector?: StringMap;
}

export interface Container {
  id: string;
  podSandboxId: string;
  metadata: Required<ContainerMetadata>;
  image: ImageSpec | null;
  imageRef: string;
  state: ContainerState;
  createdAt: number;
  labels: StringMap;
  annotations: StringMap;
  imageId: string;
}

export interface ContainerStatus {
  id: string;
  metadata: Required<ContainerMetadata>;
  state: ContainerState;
  createdAt: number;
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  image: ImageSpec | null;
  imageRef: string;
  reason: string;
  message: string;
  labels: StringMap;
  annotations: StringMap;
  mounts: Mount[];
  logPath: string;
  resources: { linux: LinuxContainerResources | null } | null;
  imageId: string;
}

export interface ContainerStatusResponse { status: ContainerStatus; info: StringMap }

export interface ExecSyncResponse { stdout: Buffer; stderr: Buffer; exitCode: number }

export interface UInt64Value { value: number }

export interface ContainerStats {
  attributes: { id: string; metadata: Required<ContainerMetadata>; labels: StringMap; annotations: StringMap } | null;
  cpu: { timestamp: number; usageCoreNanoSeconds: UInt64Value | null; usageNanoCores: UInt64Value | null } | null;
  memory: {
    timestamp: number;
    workingSetBytes: UInt64Value | null;
    availableBytes: UInt64Value | null;
    usageBytes: UInt64Value | null;
    rssBytes: UInt64Value | null;
    pageFaults: UInt64Value | null;
    majorPageFaults: UInt64Value | null;
  } | null;
  writableLayer: FilesystemUsage | null;
}

export interface RuntimeCondition { type: string; status: boolean; reason: string; message: string }
export interface StatusResponse { status: { conditions: RuntimeCondition[] }; info: StringMap }

export interface Image {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
  uid: Int64Value | null;
  username: string;
  spec: ImageSpec | null;
  pinned: boolean;
}

export interface AuthConfig {
  username?: string;
  password?: string;
  auth?: string;
  serverAddress?: string;
  identityToken?: string;
  registryToken?: string;
}

export interface FilesystemUsage {
  timestamp: number;
  fsId: { mountpoint: string } | null;
  usedBytes: UInt64Value | null;
  inodesUsed: UInt64Value | null;
}

export interface ImageFsInfoResponse { imageFilesystems: FilesystemUsage[]; containerFilesystems: FilesystemUsage[] }
