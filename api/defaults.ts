/**
 * Defaults filled in before validation, as Kubernetes' defaulters do: only where a field is
 * absent, so applying them twice changes nothing. They guard every type, because they run
 * before the schema check and must not throw on a malformed object.
 */

type Obj = Record<string, any>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** imagePullPolicyFor is Always for an untagged or :latest image, else IfNotPresent (Kubernetes' rule). */
export function imagePullPolicyFor(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const tagAt = image.indexOf(':', lastSlash + 1);
  if (tagAt < 0) return 'Always';
  return image.slice(tagAt + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: unknown): void {
  if (!isObj(p)) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  if (isObj(p.httpGet)) {
    p.httpGet.path ??= '/';
    p.httpGet.scheme ??= 'HTTP';
  }
}

function defaultContainer(c: unknown): void {
  if (!isObj(c)) return;
  if (typeof c.image === 'string' && c.imagePullPolicy === undefined) c.imagePullPolicy = imagePullPolicyFor(c.image);
  if (Array.isArray(c.ports)) for (const p of c.ports) if (isObj(p)) p.protocol ??= 'TCP';
  if (isObj(c.resources) && isObj(c.resources.limits)) {
    // A limit without a request requests the limit, as in Kubernetes.
    const req = isObj(c.resources.requests) ? c.resources.requests : (c.resources.requests = {});
    for (const [k, v] of Object.entries(c.resources.limits)) if (req[k] === undefined) req[k] = v;
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
}

/** defaultPodSpec fills restartPolicy, terminationGracePeriodSeconds, schedulerName and container defaults. */
export function defaultPodSpec(spec: unknown): void {
  if (!isObj(spec)) return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.schedulerName ??= 'default-scheduler';
  if (Array.isArray(spec.containers)) spec.containers.forEach(defaultContainer);
}

function defaultTemplateOwner(spec: unknown): void {
  if (!isObj(spec)) return;
  spec.replicas ??= 1;
  if (isObj(spec.template)) defaultPodSpec(spec.template.spec);
}

/** applyDefaults fills the defaults of an object of `kind` in place. */
export function applyDefaults(kind: string, obj: unknown): void {
  if (!isObj(obj)) return;
  if (obj.metadata === undefined) obj.metadata = {};
  switch (kind) {
    case 'Pod':
      defaultPodSpec(obj.spec);
      break;
    case 'ReplicaSet':
      defaultTemplateOwner(obj.spec);
      break;
    case 'Deployment':
      defaultTemplateOwner(obj.spec);
      if (isObj(obj.spec)) {
        const s = obj.spec;
        s.revisionHistoryLimit ??= 10;
        s.progressDeadlineSeconds ??= 600;
        if (!isObj(s.strategy)) s.strategy ??= {};
        if (isObj(s.strategy)) {
          s.strategy.type ??= 'RollingUpdate';
          if (s.strategy.type === 'RollingUpdate') {
            if (!isObj(s.strategy.rollingUpdate)) s.strategy.rollingUpdate ??= {};
            if (isObj(s.strategy.rollingUpdate)) {
              s.strategy.rollingUpdate.maxSurge ??= '25%';
              s.strategy.rollingUpdate.maxUnavailable ??= '25%';
            }
          }
        }
      }
      break;
    case 'Namespace':
      if (obj.spec === undefined) obj.spec = {};
      if (obj.status === undefined) obj.status = {};
      if (isObj(obj.status)) obj.status.phase ??= 'Active';
      break;
    case 'Node':
      if (obj.spec === undefined) obj.spec = {};
      break;
    case 'Lease':
      if (obj.spec === undefined) obj.spec = {};
      break;
  }
}
