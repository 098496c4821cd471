/**
 * Label and field selectors, as `kubectl -l` / `--field-selector` and the `labelSelector` /
 * `fieldSelector` query parameters spell them, and as Deployments and ReplicaSets carry them
 * (LabelSelector objects). Parsing and matching are pure; errors are SelectorErrors (400).
 */
import { SelectorError } from './errors.js';
import type { LabelSelector } from './types.js';

/** LabelOperator is one requirement's operator in its canonical (Kubernetes selection) name. */
export type LabelOperator = 'Equals' | 'NotEquals' | 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

/** LabelRequirement is one ANDed term of a label selector. */
export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

/** LabelSelectorParsed is a list of requirements, all of which must hold; empty matches everything. */
export type LabelSelectorParsed = LabelRequirement[];

const NAME_RE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** labelKeyError explains why a label key is not a qualified name ("prefix/name"), or returns undefined. */
export function labelKeyError(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN_RE.test(prefix))) {
    return `invalid label key "${key}": the prefix must be a DNS-1123 subdomain`;
  }
  if (name.length === 0 || name.length > 63 || !NAME_RE.test(name)) {
    return `invalid label key "${key}": name part must be 1-63 characters of alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`;
  }
  return undefined;
}

/** labelValueError explains why a label value is not valid (≤63, alphanumeric ends), or returns undefined. */
export function labelValueError(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !NAME_RE.test(value)) {
    return `invalid label value "${value}": must be 63 characters or less, alphanumerics, '-', '_' or '.', starting and ending with an alphanumeric`;
  }
  return undefined;
}

function checkKey(key: string): void {
  const e = labelKeyError(key);
  if (e) throw new SelectorError(`unable to parse requirement: ${e}`);
}
function checkValue(value: string): void {
  const e = labelValueError(value);
  if (e) throw new SelectorError(`unable to parse requirement: ${e}`);
}

/** splitTopLevel splits a selector string on commas outside parentheses. */
function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth < 0) throw new SelectorError(`unable to parse selector "${s}": unbalanced ')'`);
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (depth !== 0) throw new SelectorError(`unable to parse selector "${s}": unbalanced '('`);
  parts.push(cur);
  return parts;
}

const SET_RE = /^([^\s!=<>(),]+)\s+(in|notin)\s*\(([^()]*)\)$/;
const OP_RE = /^([^\s!=<>(),]+)\s*(==|=|!=|>|<)\s*([^\s!=<>(),]*)$/;

/** parseLabelSelector parses the string form `a=b,c!=d,e in (x,y),f notin (z),g,!h,n>3`; "" matches everything. */
export function parseLabelSelector(s: string): LabelSelectorParsed {
  const text = s.trim();
  if (text === '') return [];
  const out: LabelRequirement[] = [];
  for (const raw of splitTopLevel(text)) {
    const part = raw.trim();
    if (part === '') throw new SelectorError(`unable to parse selector "${s}": empty requirement`);
    let m: RegExpExecArray | null;
    if (part.startsWith('!')) {
      const key = part.slice(1).trim();
      checkKey(key);
      out.push({ key, operator: 'DoesNotExist', values: [] });
    } else if ((m = SET_RE.exec(part))) {
      const key = m[1]!;
      checkKey(key);
      const values = m[3]!.split(',').map((v) => v.trim());
      if (values.length === 1 && values[0] === '' && m[3]!.trim() === '') throw new SelectorError(`unable to parse requirement "${part}": for 'in' and 'notin' operators, values set can't be empty`);
      values.forEach(checkValue);
      out.push({ key, operator: m[2] === 'in' ? 'In' : 'NotIn', values });
    } else if ((m = OP_RE.exec(part))) {
      const key = m[1]!;
      const value = m[3]!;
      checkKey(key);
      const op = m[2]!;
      if (op === '>' || op === '<') {
        if (!/^-?\d+$/.test(value)) throw new SelectorError(`unable to parse requirement "${part}": for 'Gt', 'Lt' operators, the value must be an integer`);
        out.push({ key, operator: op === '>' ? 'Gt' : 'Lt', values: [value] });
      } else {
        checkValue(value);
        out.push({ key, operator: op === '!=' ? 'NotEquals' : 'Equals', values: [value] });
      }
    } else if (/^[^\s!=<>(),]+$/.test(part)) {
      checkKey(part);
      out.push({ key: part, operator: 'Exists', values: [] });
    } else {
      throw new SelectorError(`unable to parse requirement "${part}" of selector "${s}"`);
    }
  }
  return out;
}

/** labelSelectorFromObject turns a LabelSelector object (matchLabels + matchExpressions) into requirements. */
export function labelSelectorFromObject(sel: LabelSelector | null | undefined): LabelSelectorParsed {
  if (!sel) return [];
  const out: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) {
    checkKey(key);
    checkValue(value);
    out.push({ key, operator: 'Equals', values: [value] });
  }
  for (const e of sel.matchExpressions ?? []) {
    checkKey(e.key);
    const values = e.values ?? [];
    if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0) {
      throw new SelectorError(`matchExpressions key "${e.key}": values must be non-empty for operator ${e.operator}`);
    }
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values.length > 0) {
      throw new SelectorError(`matchExpressions key "${e.key}": values must be empty for operator ${e.operator}`);
    }
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator)) {
      throw new SelectorError(`matchExpressions key "${e.key}": "${String(e.operator)}" is not a valid operator`);
    }
    values.forEach(checkValue);
    out.push({ key: e.key, operator: e.operator, values: [...values] });
  }
  return out;
}

/** matchLabels tells whether labels satisfy every requirement (a missing label fails =, in, exists; passes !=, notin). */
export function matchLabels(sel: LabelSelectorParsed, labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  for (const r of sel) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = has ? l[r.key]! : undefined;
    switch (r.operator) {
      case 'Equals':
      case 'In':
        if (!has || !r.values.includes(v!)) return false;
        break;
      case 'NotEquals':
      case 'NotIn':
        if (has && r.values.includes(v!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      case 'Gt':
      case 'Lt': {
        if (!has || !/^-?\d+$/.test(v!)) return false;
        const n = Number(v);
        const bound = Number(r.values[0]);
        if (r.operator === 'Gt' ? !(n > bound) : !(n < bound)) return false;
        break;
      }
    }
  }
  return true;
}

/** matchesLabelSelector is matchLabels for a LabelSelector object (null/undefined selects nothing, {} everything). */
export function matchesLabelSelector(sel: LabelSelector | null | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  if (!sel) return false;
  return matchLabels(labelSelectorFromObject(sel), labels);
}

/** labelSelectorToString prints requirements (or a LabelSelector object) in the string form a query parameter takes. */
export function labelSelectorToString(sel: LabelSelectorParsed | LabelSelector): string {
  const reqs = Array.isArray(sel) ? sel : labelSelectorFromObject(sel);
  return reqs
    .map((r) => {
      switch (r.operator) {
        case 'Equals': return `${r.key}=${r.values[0]}`;
        case 'NotEquals': return `${r.key}!=${r.values[0]}`;
        case 'In': return `${r.key} in (${r.values.join(',')})`;
        case 'NotIn': return `${r.key} notin (${r.values.join(',')})`;
        case 'Exists': return r.key;
        case 'DoesNotExist': return `!${r.key}`;
        case 'Gt': return `${r.key}>${r.values[0]}`;
        case 'Lt': return `${r.key}<${r.values[0]}`;
      }
    })
    .join(',');
}

// ---------------------------------------------------------------- field selectors

/** SUPPORTED_FIELDS are the field paths a field selector may name (others are a 400, as in Kubernetes). */
export const SUPPORTED_FIELDS: readonly string[] = [
  'metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase', 'spec.unschedulable', 'spec.schedulerName',
  'involvedObject.kind', 'involvedObject.name', 'involvedObject.namespace', 'involvedObject.uid', 'reason', 'type', 'source',
];

/** FieldRequirement is one ANDed term of a field selector: `field=value` or `field!=value`. */
export interface FieldRequirement {
  field: string;
  operator: '=' | '!=';
  value: string;
}

/** parseFieldSelector parses `metadata.name=x,spec.nodeName!=,status.phase=Running`; "" matches everything. */
export function parseFieldSelector(s: string): FieldRequirement[] {
  const text = s.trim();
  if (text === '') return [];
  return text.split(',').map((raw) => {
    const part = raw.trim();
    const m = /^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw new SelectorError(`invalid field selector "${part}": expected field=value or field!=value`);
    const field = m[1]!;
    if (!SUPPORTED_FIELDS.includes(field)) {
      throw new SelectorError(`field label not supported: ${field} (supported: ${SUPPORTED_FIELDS.slice(0, 4).join(', ')}, ...)`);
    }
    return { field, operator: m[2] === '!=' ? '!=' : '=', value: m[3]!.trim() };
  });
}

/** fieldValue reads a dotted field of an object as a string ('' when absent), the way field selectors compare. */
export function fieldValue(obj: unknown, field: string): string {
  let cur: unknown = obj;
  for (const part of field.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return field === 'spec.unschedulable' ? 'false' : '';
  if (typeof cur === 'object') return field === 'source' ? String((cur as { component?: string }).component ?? '') : JSON.stringify(cur);
  return String(cur);
}

/** matchFields tells whether an object satisfies every field requirement. */
export function matchFields(reqs: readonly FieldRequirement[], obj: unknown): boolean {
  for (const r of reqs) {
    const v = fieldValue(obj, r.field);
    if (r.operator === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}

/** fieldSelectorToString prints field requirements in the query parameter form. */
export function fieldSelectorToString(reqs: readonly FieldRequirement[]): string {
  return reqs.map((r) => `${r.field}${r.operator}${r.value}`).join(',');
}
