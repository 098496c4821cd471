/**
 * Object validation: the JSON Schemas of api/schemas.ts compiled once by ajv, then the rules a
 * schema cannot say (DNS-1123 names, label syntax, quantities, selector/template agreement).
 * Every problem is a StatusCause with a Kubernetes field path (`spec.containers[0].image`).
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { SCHEMAS } from './schemas.js';
import { parseQuantity, isNegative, compareQuantities } from './quantity.js';
import { labelKeyError, labelValueError, labelSelectorFromObject, matchLabels } from './selectors.js';
import type { StatusCause } from './types.js';

type Obj = Record<string, any>;

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** dns1123LabelError explains why a name is not a DNS-1123 label (namespaces, container names), or undefined. */
export function dns1123LabelError(name: string): string | undefined {
  if (name.length > 63) return 'must be no more than 63 characters';
  if (!DNS1123_LABEL.test(name)) return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
  return undefined;
}

/** dns1123SubdomainError explains why a name is not a DNS-1123 subdomain (most object names), or undefined. */
export function dns1123SubdomainError(name: string): string | undefined {
  if (name.length > 253) return 'must be no more than 253 characters';
  if (!DNS1123_SUBDOMAIN.test(name)) return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
  return undefined;
}

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

/** validatorFor gives a kind's compiled schema, compiling it now when compileValidators has not yet. */
function validatorFor(kind: string): ValidateFunction | undefined {
  let v = compiled.get(kind);
  if (v) return v;
  const schema = SCHEMAS[kind];
  if (!schema) return undefined;
  ajv ??= new Ajv({ allErrors: true, strict: false });
  v = ajv.compile(schema);
  compiled.set(kind, v);
  return v;
}

/** FIRST_NEEDED are the kinds a starting cluster writes first (node registration, pod creates, events). */
const FIRST_NEEDED = ['Pod', 'Event', 'Node', 'Lease'];

/**
 * compileValidators compiles every kind's schema ahead of use, one kind per turn of the event loop.
 * A server calls it once it listens: ajv takes ~0.1–0.3 s of CPU for the Pod schema alone on a fresh
 * process, which would otherwise land on the first pod create. Compiling at import would slow every
 * client and CLI that never validates.
 */
export async function compileValidators(): Promise<void> {
  const kinds = [...FIRST_NEEDED.filter((k) => SCHEMAS[k]), ...Object.keys(SCHEMAS).filter((k) => !FIRST_NEEDED.includes(k))];
  for (const kind of kinds) {
    await new Promise((r) => setImmediate(r));
    validatorFor(kind);
  }
}

/** validatorCompiled tells whether a kind's schema is compiled already (for tests). */
export function validatorCompiled(kind: string): boolean {
  return compiled.has(kind);
}

/** fieldPath turns an ajv instancePath (/spec/containers/0/image) into spec.containers[0].image. */
export function fieldPath(instancePath: string, extra?: string): string {
  let out = '';
  for (const raw of instancePath.split('/').slice(1)) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  if (extra) out += out ? `.${extra}` : extra;
  return out;
}

function valueAt(obj: unknown, instancePath: string): unknown {
  let cur: any = obj;
  for (const raw of instancePath.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}

function causeFromAjv(e: ErrorObject, obj: unknown): StatusCause {
  const value = valueAt(obj, e.instancePath);
  const shown = JSON.stringify(value) ?? 'undefined';
  switch (e.keyword) {
    case 'required': {
      const field = fieldPath(e.instancePath, String((e.params as { missingProperty: string }).missingProperty));
      return { reason: 'FieldValueRequired', field, message: 'Required value' };
    }
    case 'minItems':
      return { reason: 'FieldValueRequired', field: fieldPath(e.instancePath), message: 'Required value' };
    case 'enum': {
      const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ');
      return { reason: 'FieldValueNotSupported', field: fieldPath(e.instancePath), message: `Unsupported value: ${shown}: supported values: ${allowed}` };
    }
    case 'const':
      return { reason: 'FieldValueInvalid', field: fieldPath(e.instancePath), message: `Invalid value: ${shown}: must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}` };
    case 'type':
      return { reason: 'FieldValueTypeInvalid', field: fieldPath(e.instancePath), message: `Invalid value: ${shown}: must be of type ${String((e.params as { type: unknown }).type).replace(',', ' or ')}` };
    default:
      return { reason: 'FieldValueInvalid', field: fieldPath(e.instancePath), message: `Invalid value: ${shown}: ${e.message ?? 'invalid'}` };
  }
}

function add(causes: StatusCause[], field: string, message: string, reason = 'FieldValueInvalid'): void {
  causes.push({ reason, field, message });
}

function checkMeta(meta: Obj, causes: StatusCause[], nameRule: 'label' | 'subdomain', base = 'metadata'): void {
  if (typeof meta.name === 'string' && meta.name !== '') {
    const why = nameRule === 'label' ? dns1123LabelError(meta.name) : dns1123SubdomainError(meta.name);
    if (why) add(causes, `${base}.name`, `Invalid value: ${JSON.stringify(meta.name)}: ${why}`);
  }
  if (typeof meta.namespace === 'string' && meta.namespace !== '') {
    const why = dns1123LabelError(meta.namespace);
    if (why) add(causes, `${base}.namespace`, `Invalid value: ${JSON.stringify(meta.namespace)}: ${why}`);
  }
  for (const [k, v] of Object.entries(typeof meta.labels === 'object' && meta.labels ? meta.labels : {})) {
    const why = labelKeyError(k) ?? (typeof v === 'string' ? labelValueError(v) : undefined);
    if (why) add(causes, `${base}.labels`, `Invalid value: ${JSON.stringify(k)}: ${why}`);
  }
  for (const k of Object.keys(typeof meta.annotations === 'object' && meta.annotations ? meta.annotations : {})) {
    const why = labelKeyError(k);
    if (why) add(causes, `${base}.annotations`, `Invalid value: ${JSON.stringify(k)}: ${why.replace('label key', 'annotation key')}`);
  }
}

function checkQuantities(map: unknown, field: string, causes: StatusCause[]): void {
  if (typeof map !== 'object' || map === null) return;
  for (const [k, v] of Object.entries(map)) {
    if (typeof v !== 'string' && typeof v !== 'number') continue;
    try {
      const q = parseQuantity(v);
      if (isNegative(q)) add(causes, `${field}.${k}`, `Invalid value: ${JSON.stringify(v)}: must be greater than or equal to 0`);
    } catch {
      add(causes, `${field}.${k}`, `Invalid value: ${JSON.stringify(v)}: quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
    }
  }
}

function checkPodSpec(spec: Obj, base: string, causes: StatusCause[]): void {
  const seen = new Set<string>();
  (Array.isArray(spec.containers) ? spec.containers : []).forEach((c: Obj, i: number) => {
    if (typeof c !== 'object' || c === null) return;
    const at = `${base}.containers[${i}]`;
    if (typeof c.name === 'string') {
      const why = dns1123LabelError(c.name);
      if (why) add(causes, `${at}.name`, `Invalid value: ${JSON.stringify(c.name)}: ${why}`);
      if (seen.has(c.name)) add(causes, `${at}.name`, `Duplicate value: ${JSON.stringify(c.name)}`, 'FieldValueDuplicate');
      seen.add(c.name);
    }
    if (typeof c.image === 'string' && c.image.trim() === '') add(causes, `${at}.image`, 'Required value', 'FieldValueRequired');
    else if (typeof c.image === 'string' && c.image !== c.image.trim()) add(causes, `${at}.image`, 'Invalid value: must not have leading or trailing whitespace');
    const res = c.resources;
    if (typeof res === 'object' && res !== null) {
      checkQuantities(res.requests, `${at}.resources.requests`, causes);
      checkQuantities(res.limits, `${at}.resources.limits`, causes);
      for (const [k, lim] of Object.entries((res.limits ?? {}) as Obj)) {
        const req = (res.requests ?? {})[k];
        try {
          if (req !== undefined && compareQuantities(parseQuantity(req), parseQuantity(lim)) > 0) {
            add(causes, `${at}.resources.requests.${k}`, `Invalid value: ${JSON.stringify(req)}: must be less than or equal to ${k} limit of ${String(lim)}`);
          }
        } catch {
          /* reported above */
        }
      }
    }
  });
  if (typeof spec.nodeName === 'string' && spec.nodeName !== '') {
    const why = dns1123SubdomainError(spec.nodeName);
    if (why) add(causes, `${base}.nodeName`, `Invalid value: ${JSON.stringify(spec.nodeName)}: ${why}`);
  }
}

function checkSelectorTemplate(spec: Obj, causes: StatusCause[]): void {
  if (typeof spec.selector !== 'object' || spec.selector === null) return;
  let sel;
  try {
    sel = labelSelectorFromObject(spec.selector);
  } catch (err) {
    add(causes, 'spec.selector', `Invalid value: ${(err as Error).message}`);
    return;
  }
  if (sel.length === 0) {
    add(causes, 'spec.selector', 'Invalid value: empty selector is invalid for deployment and replicaset');
    return;
  }
  const labels = spec.template?.metadata?.labels;
  if (!matchLabels(sel, typeof labels === 'object' && labels ? labels : {})) {
    add(causes, 'spec.template.metadata.labels', 'Invalid value: `selector` does not match template `labels`');
  }
}

function checkIntOrPercent(v: unknown, field: string, causes: StatusCause[]): void {
  if (typeof v === 'string' && !/^\d+%$/.test(v)) add(causes, field, `Invalid value: ${JSON.stringify(v)}: must be an integer or a percentage (e.g. '25%')`);
  if (typeof v === 'number' && v < 0) add(causes, field, `Invalid value: ${v}: must be greater than or equal to 0`);
}

/** validateObject checks an object of `kind` (defaults already applied) and returns its problems; [] when valid. */
export function validateObject(kind: string, obj: unknown): StatusCause[] {
  const validate = validatorFor(kind);
  if (!validate) return [{ reason: 'FieldValueNotSupported', field: 'kind', message: `Unsupported value: ${JSON.stringify(kind)}` }];
  const causes: StatusCause[] = [];
  if (!validate(obj)) {
    for (const e of validate.errors ?? []) {
      const c = causeFromAjv(e, obj);
      if (!causes.some((x) => x.field === c.field && x.message === c.message)) causes.push(c);
    }
  }
  if (typeof obj !== 'object' || obj === null) return causes;
  const o = obj as Obj;
  if (typeof o.metadata === 'object' && o.metadata !== null) checkMeta(o.metadata, causes, kind === 'Namespace' ? 'label' : 'subdomain');
  const spec = typeof o.spec === 'object' && o.spec !== null ? (o.spec as Obj) : undefined;
  if (kind === 'Pod' && spec) checkPodSpec(spec, 'spec', causes);
  if ((kind === 'ReplicaSet' || kind === 'Deployment') && spec) {
    checkSelectorTemplate(spec, causes);
    const tpl = spec.template;
    if (typeof tpl === 'object' && tpl !== null) {
      if (typeof tpl.metadata === 'object' && tpl.metadata !== null) checkMeta(tpl.metadata, causes, 'subdomain', 'spec.template.metadata');
      if (typeof tpl.spec === 'object' && tpl.spec !== null) checkPodSpec(tpl.spec, 'spec.template.spec', causes);
    }
    const ru = spec.strategy?.rollingUpdate;
    if (typeof ru === 'object' && ru !== null) {
      checkIntOrPercent(ru.maxSurge, 'spec.strategy.rollingUpdate.maxSurge', causes);
      checkIntOrPercent(ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable', causes);
      const zero = (v: unknown) => v === 0 || v === '0%';
      if (zero(ru.maxSurge) && zero(ru.maxUnavailable)) add(causes, 'spec.strategy.rollingUpdate.maxUnavailable', 'Invalid value: may not be 0 when `maxSurge` is 0');
    }
  }
  if (kind === 'Node' && typeof o.status === 'object' && o.status !== null) {
    checkQuantities(o.status.capacity, 'status.capacity', causes);
    checkQuantities(o.status.allocatable, 'status.allocatable', causes);
  }
  return causes;
}
