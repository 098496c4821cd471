/**
 * The API contract's object shapes: core/v1, apps/v1, coordination.k8s.io/v1 and meta/v1,
 * on the subset of fields Flotilla uses. Names and meanings are Kubernetes' own.
 */

/** ObjectMeta is the metadata every stored object carries. */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
}

/** OwnerReference links a dependent (a Pod) to its owner (a ReplicaSet) for adoption and GC. */
export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** TypeMeta names an object's kind and group/version. */
export interface TypeMeta {
  apiVersion: string;
  kind: string;
}

/** KubeObject is any top-level stored object. */
export interface KubeObject extends TypeMeta {
  metadata: ObjectMeta;
}

/** ListMeta carries the revision a list was read at, the point a watch resumes from. */
export interface ListMeta {
  resourceVersion?: string;
  continue?: string;
}

/** List is the answer to a collection GET. */
export interface List<T extends KubeObject = KubeObject> extends TypeMeta {
  metadata: ListMeta;
  items: T[];
}

/** LabelSelector as Deployments and ReplicaSets use it. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** LabelSelectorRequirement: In, NotIn, Exists, DoesNotExist. */
export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

// ---------------------------------------------------------------- core/v1 Namespace

/** Namespace scopes names; objects need theirs to exist. */
export interface Namespace extends KubeObject {
  kind: 'Namespace';
  spec?: { finalizers?: string[] };
  status?: { phase?: 'Active' | 'Terminating' };
}

// ---------------------------------------------------------------- core/v1 Pod

/** ResourceList maps a resource name (cpu, memory, pods) to a quantity string ("100m", "128Mi"). */
export type ResourceList = Record<string, string>;

/** ResourceRequirements are a container's requests (for scheduling) and limits (for cgroups). */
export interface ResourceRequirements {
  requests?: ResourceList;
  limits?: ResourceList;
}

/** EnvVar is one environment variable of a container. */
export interface EnvVar {
  name: string;
  value?: string;
}

/** ContainerPort is a port a container listens on; hostPort reserves it on the node. */
export interface ContainerPort {
  name?: string;
  containerPort: number;
  hostPort?: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
}

/** ExecAction runs a command inside the container. */
export interface ExecAction {
  command: string[];
}

/** HTTPGetAction probes an HTTP endpoint on the pod IP. */
export interface HTTPGetAction {
  path?: string;
  port: number | string;
  host?: string;
  scheme?: 'HTTP' | 'HTTPS';
  httpHeaders?: { name: string; value: string }[];
}

/** TCPSocketAction probes that a TCP port accepts. */
export interface TCPSocketAction {
  port: number | string;
  host?: string;
}

/** Probe is a liveness, readiness or startup check. */
export interface Probe {
  exec?: ExecAction;
  httpGet?: HTTPGetAction;
  tcpSocket?: TCPSocketAction;
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

/** Container is one process image inside a pod. */
export interface Container {
  name: string;
  image: string;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  workingDir?: string;
  ports?: ContainerPort[];
  resources?: ResourceRequirements;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
}

/** NodeSelectorRequirement: a key, an operator and values, matched against node labels. */
export interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

/** NodeSelectorTerm: requirements ANDed; terms are ORed. */
export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
}

/** NodeAffinity: required (filter) and preferred (score) node constraints. */
export interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: NodeSelectorTerm[] };
  preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; preference: NodeSelectorTerm }[];
}

/** Toleration lets a pod land on (or stay on) a node with a matching taint. */
export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

/** PodSpec is the desired state of a pod. */
export interface PodSpec {
  containers: Container[];
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  nodeName?: string;
  nodeSelector?: Record<string, string>;
  affinity?: { nodeAffinity?: NodeAffinity };
  tolerations?: Toleration[];
  terminationGracePeriodSeconds?: number;
  schedulerName?: string;
  priority?: number;
  hostname?: string;
}

/** PodPhase is the pod's place in its lifecycle. */
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** PodCondition: PodScheduled, Initialized, ContainersReady, Ready. */
export interface PodCondition {
  type: 'PodScheduled' | 'Initialized' | 'ContainersReady' | 'Ready';
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
}

/** ContainerState: exactly one of waiting, running, terminated. */
export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: {
    exitCode: number;
    signal?: number;
    reason?: string;
    message?: string;
    startedAt?: string;
    finishedAt?: string;
    containerID?: string;
  };
}

/** ContainerStatus is what the node agent reports of one container. */
export interface ContainerStatus {
  name: string;
  state: ContainerState;
  lastState?: ContainerState;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  image: string;
  imageID?: string;
  containerID?: string;
}

/** PodStatus is the observed state of a pod, written by the scheduler (PodScheduled) and the agent. */
export interface PodStatus {
  phase?: PodPhase;
  conditions?: PodCondition[];
  message?: string;
  reason?: string;
  hostIP?: string;
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  containerStatuses?: ContainerStatus[];
}

/** Pod is the unit of scheduling: containers that share a network and IPC namespace. */
export interface Pod extends KubeObject {
  kind: 'Pod';
  spec: PodSpec;
  status?: PodStatus;
}

/** PodTemplateSpec is the pod a ReplicaSet or Deployment stamps out. */
export interface PodTemplateSpec {
  metadata?: ObjectMeta;
  spec: PodSpec;
}

/** Binding assigns a pod to a node (POST pods/NAME/binding). */
export interface Binding extends KubeObject {
  kind: 'Binding';
  target: { apiVersion?: string; kind: 'Node'; name: string };
}

// ---------------------------------------------------------------- core/v1 Node

/** Taint repels pods that do not tolerate it. */
export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  timeAdded?: string;
}

/** NodeCondition: Ready (and the pressures) with the heartbeat time. */
export interface NodeCondition {
  type: 'Ready' | 'MemoryPressure' | 'DiskPressure' | 'PIDPressure' | 'NetworkUnavailable';
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

/** NodeAddress: InternalIP or Hostname. */
export interface NodeAddress {
  type: 'InternalIP' | 'ExternalIP' | 'Hostname';
  address: string;
}

/** NodeSpec: the pod CIDR given by the controllers, cordoning, taints. */
export interface NodeSpec {
  podCIDR?: string;
  podCIDRs?: string[];
  unschedulable?: boolean;
  taints?: Taint[];
}

/** NodeStatus: what the agent reports of its machine. */
export interface NodeStatus {
  capacity?: ResourceList;
  allocatable?: ResourceList;
  conditions?: NodeCondition[];
  addresses?: NodeAddress[];
  daemonEndpoints?: { kubeletEndpoint?: { Port: number } };
  nodeInfo?: {
    machineID?: string;
    kernelVersion?: string;
    osImage?: string;
    containerRuntimeVersion?: string;
    kubeletVersion?: string;
    operatingSystem?: string;
    architecture?: string;
  };
}

/** Node is a machine that runs pods. Cluster-scoped. */
export interface Node extends KubeObject {
  kind: 'Node';
  spec?: NodeSpec;
  status?: NodeStatus;
}

// ---------------------------------------------------------------- core/v1 Event

/** ObjectReference names the object an event is about. */
export interface ObjectReference {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
  fieldPath?: string;
}

/** Event records something a component did or saw, shown by `flotctl describe`. */
export interface Event extends KubeObject {
  kind: 'Event';
  involvedObject: ObjectReference;
  reason?: string;
  message?: string;
  type?: 'Normal' | 'Warning';
  source?: { component?: string; host?: string };
  firstTimestamp?: string;
  lastTimestamp?: string;
  count?: number;
  reportingComponent?: string;
}

// ---------------------------------------------------------------- coordination.k8s.io/v1 Lease

/** Lease: node heartbeats (kube-node-lease) and leader election. */
export interface Lease extends KubeObject {
  kind: 'Lease';
  spec: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

// ---------------------------------------------------------------- apps/v1

/** ReplicaSetSpec: keep `replicas` pods matching `selector`, made from `template`. */
export interface ReplicaSetSpec {
  replicas?: number;
  minReadySeconds?: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
}

/** ReplicaSetStatus: counts observed by the ReplicaSet controller. */
export interface ReplicaSetStatus {
  replicas: number;
  fullyLabeledReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
}

/** ReplicaSet keeps a number of identical pods running. */
export interface ReplicaSet extends KubeObject {
  kind: 'ReplicaSet';
  spec: ReplicaSetSpec;
  status?: ReplicaSetStatus;
}

/** DeploymentStrategy: RollingUpdate (maxSurge, maxUnavailable) or Recreate. */
export interface DeploymentStrategy {
  type?: 'RollingUpdate' | 'Recreate';
  rollingUpdate?: { maxSurge?: number | string; maxUnavailable?: number | string };
}

/** DeploymentSpec is the desired state of a Deployment. */
export interface DeploymentSpec {
  replicas?: number;
  selector: LabelSelector;
  template: PodTemplateSpec;
  strategy?: DeploymentStrategy;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  paused?: boolean;
}

/** DeploymentCondition: Available, Progressing. */
export interface DeploymentCondition {
  type: 'Available' | 'Progressing' | 'ReplicaFailure';
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
}

/** DeploymentStatus: counts across the deployment's ReplicaSets. */
export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: DeploymentCondition[];
}

/** Deployment rolls a pod template out through ReplicaSets. */
export interface Deployment extends KubeObject {
  kind: 'Deployment';
  spec: DeploymentSpec;
  status?: DeploymentStatus;
}

/** Scale is the `scale` subresource of Deployments and ReplicaSets. */
export interface Scale extends KubeObject {
  kind: 'Scale';
  spec: { replicas?: number };
  status?: { replicas: number; selector?: string };
}

// ---------------------------------------------------------------- meta/v1

/** StatusCause names one field that was wrong. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** Status is every error the API returns (and the answer to a delete of a gone object). */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: ListMeta;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  code: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: StatusCause[];
    retryAfterSeconds?: number;
  };
}

/** WatchEventType is one of the four event kinds a watch stream carries. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** WatchEvent is one newline-delimited JSON line of a watch stream. */
export interface WatchEvent<T = KubeObject> {
  type: WatchEventType;
  object: T;
}

/** TableColumnDefinition describes one column of a server-side printed Table. */
export interface TableColumnDefinition {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
}

/** Table is the meta.k8s.io/v1 server-side printing shape that kubectl and flotctl render. */
export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ListMeta;
  columnDefinitions: TableColumnDefinition[];
  rows: { cells: unknown[]; object?: unknown }[];
}
