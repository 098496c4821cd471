/**
 * JSON Schemas (draft-07, compiled by ajv in api/validation.ts) for every kind Flotilla serves.
 * They check shapes and types; name rules, quantities and cross-field rules are checked in code
 * by api/validation.ts, which reports both with Kubernetes-style field paths.
 */

type Schema = Record<string, unknown>;

const str: Schema = { type: 'string' };
const bool: Schema = { type: 'boolean' };
const int: Schema = { type: 'integer' };
const nonNegInt: Schema = { type: 'integer', minimum: 0 };
const port: Schema = { type: 'integer', minimum: 1, maximum: 65535 };
const strArray: Schema = { type: 'array', items: str };
const strMap: Schema = { type: 'object', additionalProperties: str };
const timestamp: Schema = { type: ['string', 'null'] };
const quantity: Schema = { type: ['string', 'number'] };
const quantityMap: Schema = { type: 'object', additionalProperties: quantity };
const intOrString: Schema = { type: ['integer', 'string'] };
const condStatus: Schema = { enum: ['True', 'False', 'Unknown'] };

const ownerReference: Schema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'name', 'uid'],
  properties: { apiVersion: str, kind: str, name: str, uid: str, controller: bool, blockOwnerDeletion: bool },
};

/** objectMetaSchema is metadata of every stored object. */
export const objectMetaSchema: Schema = {
  type: 'object',
  properties: {
    name: str, generateName: str, namespace: str, uid: str, resourceVersion: str, generation: int,
    creationTimestamp: timestamp, deletionTimestamp: timestamp, deletionGracePeriodSeconds: int,
    labels: strMap, annotations: strMap, ownerReferences: { type: 'array', items: ownerReference }, finalizers: strArray,
  },
};

const labelSelector: Schema = {
  type: 'object',
  properties: {
    matchLabels: strMap,
    matchExpressions: {
      type: 'array',
      items: { type: 'object', required: ['key', 'operator'], properties: { key: str, operator: { enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] }, values: strArray } },
    },
  },
};

const probe: Schema = {
  type: 'object',
  properties: {
    exec: { type: 'object', required: ['command'], properties: { command: strArray } },
    httpGet: {
      type: 'object',
      required: ['port'],
      properties: {
        path: str, port: intOrString, host: str, scheme: { enum: ['HTTP', 'HTTPS'] },
        httpHeaders: { type: 'array', items: { type: 'object', required: ['name', 'value'], properties: { name: str, value: str } } },
      },
    },
    tcpSocket: { type: 'object', required: ['port'], properties: { port: intOrString, host: str } },
    initialDelaySeconds: nonNegInt, timeoutSeconds: { type: 'integer', minimum: 1 }, periodSeconds: { type: 'integer', minimum: 1 },
    successThreshold: { type: 'integer', minimum: 1 }, failureThreshold: { type: 'integer', minimum: 1 },
  },
};

const container: Schema = {
  type: 'object',
  required: ['name', 'image'],
  properties: {
    name: str, image: str, imagePullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'] },
    command: strArray, args: strArray, workingDir: str,
    env: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: str, value: str } } },
    ports: {
      type: 'array',
      items: { type: 'object', required: ['containerPort'], properties: { name: str, containerPort: port, hostPort: { type: 'integer', minimum: 0, maximum: 65535 }, hostIP: str, protocol: { enum: ['TCP', 'UDP', 'SCTP'] } } },
    },
    resources: { type: 'object', properties: { requests: quantityMap, limits: quantityMap } },
    livenessProbe: probe, readinessProbe: probe, startupProbe: probe,
  },
};

const nodeSelectorTerm: Schema = {
  type: 'object',
  properties: {
    matchExpressions: {
      type: 'array',
      items: { type: 'object', required: ['key', 'operator'], properties: { key: str, operator: { enum: ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'] }, values: strArray } },
    },
  },
};

/** podSpecSchema is a pod's spec, also inside ReplicaSet and Deployment templates. */
export const podSpecSchema: Schema = {
  type: 'object',
  required: ['containers'],
  properties: {
    containers: { type: 'array', minItems: 1, items: container },
    restartPolicy: { enum: ['Always', 'OnFailure', 'Never'] },
    nodeName: str, nodeSelector: strMap, schedulerName: str, priority: int, hostname: str,
    terminationGracePeriodSeconds: nonNegInt,
    affinity: {
      type: 'object',
      properties: {
        nodeAffinity: {
          type: 'object',
          properties: {
            requiredDuringSchedulingIgnoredDuringExecution: { type: 'object', required: ['nodeSelectorTerms'], properties: { nodeSelectorTerms: { type: 'array', items: nodeSelectorTerm } } },
            preferredDuringSchedulingIgnoredDuringExecution: {
              type: 'array',
              items: { type: 'object', required: ['weight', 'preference'], properties: { weight: { type: 'integer', minimum: 1, maximum: 100 }, preference: nodeSelectorTerm } },
            },
          },
        },
      },
    },
    tolerations: {
      type: 'array',
      items: { type: 'object', properties: { key: str, operator: { enum: ['Exists', 'Equal'] }, value: str, effect: { enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute', ''] }, tolerationSeconds: int } },
    },
  },
};

const containerState: Schema = { type: 'object', properties: { waiting: { type: 'object' }, running: { type: 'object' }, terminated: { type: 'object', properties: { exitCode: int } } } };

const podStatus: Schema = {
  type: 'object',
  properties: {
    phase: { enum: ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] },
    conditions: { type: 'array', items: { type: 'object', required: ['type', 'status'], properties: { type: str, status: condStatus, reason: str, message: str } } },
    message: str, reason: str, hostIP: str, podIP: str, startTime: timestamp,
    podIPs: { type: 'array', items: { type: 'object', properties: { ip: str } } },
    containerStatuses: {
      type: 'array',
      items: { type: 'object', required: ['name'], properties: { name: str, state: containerState, lastState: containerState, ready: bool, started: bool, restartCount: nonNegInt, image: str, imageID: str, containerID: str } },
    },
  },
};

const podTemplate: Schema = { type: 'object', required: ['spec'], properties: { metadata: objectMetaSchema, spec: podSpecSchema } };

function kindSchema(kind: string, apiVersion: string, props: Record<string, Schema>, required: string[] = []): Schema {
  return {
    type: 'object',
    required: ['metadata', ...required],
    properties: { apiVersion: { const: apiVersion }, kind: { const: kind }, metadata: objectMetaSchema, ...props },
  };
}

/** SCHEMAS maps each kind to its JSON Schema. */
export const SCHEMAS: Record<string, Schema> = {
  Namespace: kindSchema('Namespace', 'v1', { spec: { type: 'object', properties: { finalizers: strArray } }, status: { type: 'object', properties: { phase: { enum: ['Active', 'Terminating'] } } } }),
  Node: kindSchema('Node', 'v1', {
    spec: {
      type: 'object',
      properties: {
        podCIDR: str, podCIDRs: strArray, unschedulable: bool, providerID: str,
        taints: { type: 'array', items: { type: 'object', required: ['key', 'effect'], properties: { key: str, value: str, effect: { enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] }, timeAdded: timestamp } } },
      },
    },
    status: {
      type: 'object',
      properties: {
        capacity: quantityMap, allocatable: quantityMap,
        conditions: { type: 'array', items: { type: 'object', required: ['type', 'status'], properties: { type: str, status: condStatus } } },
        addresses: { type: 'array', items: { type: 'object', required: ['type', 'address'], properties: { type: str, address: str } } },
        daemonEndpoints: { type: 'object', properties: { kubeletEndpoint: { type: 'object', properties: { Port: { type: 'integer', minimum: 0, maximum: 65535 } } } } },
        nodeInfo: { type: 'object' },
      },
    },
  }),
  Pod: kindSchema('Pod', 'v1', { spec: podSpecSchema, status: podStatus }, ['spec']),
  Event: kindSchema('Event', 'v1', {
    involvedObject: { type: 'object', properties: { apiVersion: str, kind: str, namespace: str, name: str, uid: str, resourceVersion: str, fieldPath: str } },
    reason: str, message: str, type: str, source: { type: 'object', properties: { component: str, host: str } },
    firstTimestamp: timestamp, lastTimestamp: timestamp, eventTime: timestamp, count: int, reportingComponent: str, reportingInstance: str, action: str,
  }, ['involvedObject']),
  Lease: kindSchema('Lease', 'coordination.k8s.io/v1', {
    spec: { type: 'object', properties: { holderIdentity: { type: ['string', 'null'] }, leaseDurationSeconds: { type: ['integer', 'null'] }, acquireTime: timestamp, renewTime: timestamp, leaseTransitions: { type: ['integer', 'null'] } } },
  }),
  ReplicaSet: kindSchema('ReplicaSet', 'apps/v1', {
    spec: { type: 'object', required: ['selector', 'template'], properties: { replicas: nonNegInt, minReadySeconds: nonNegInt, selector: labelSelector, template: podTemplate } },
    status: { type: 'object', properties: { replicas: nonNegInt, fullyLabeledReplicas: nonNegInt, readyReplicas: nonNegInt, availableReplicas: nonNegInt, observedGeneration: int } },
  }, ['spec']),
  Deployment: kindSchema('Deployment', 'apps/v1', {
    spec: {
      type: 'object',
      required: ['selector', 'template'],
      properties: {
        replicas: nonNegInt, selector: labelSelector, template: podTemplate, minReadySeconds: nonNegInt, revisionHistoryLimit: nonNegInt,
        progressDeadlineSeconds: { type: 'integer', minimum: 1 }, paused: bool,
        strategy: { type: 'object', properties: { type: { enum: ['RollingUpdate', 'Recreate'] }, rollingUpdate: { type: 'object', properties: { maxSurge: intOrString, maxUnavailable: intOrString } } } },
      },
    },
    status: { type: 'object', properties: { observedGeneration: int, replicas: nonNegInt, updatedReplicas: nonNegInt, readyReplicas: nonNegInt, availableReplicas: nonNegInt, unavailableReplicas: nonNegInt, conditions: { type: 'array' } } },
  }, ['spec']),
  Binding: kindSchema('Binding', 'v1', { target: { type: 'object', required: ['name'], properties: { apiVersion: str, kind: str, name: str } } }, ['target']),
  Scale: { type: 'object', required: ['spec'], properties: { metadata: objectMetaSchema, spec: { type: 'object', properties: { replicas: nonNegInt } } } },
};
