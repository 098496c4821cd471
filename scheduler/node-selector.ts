/**
 * Node selector matching, as Kubernetes does it for nodeSelector and node affinity: requirements in a
 * term are ANDed, terms are ORed, an empty term matches nothing, and Gt/Lt compare integers. Pure
 * functions over a node's labels.
 */
import type { NodeSelectorRequirement, NodeSelectorTerm } from '../api/types.js';

const INTEGER_RE = /^[+-]?\d+$/;

/** matchesRequirement tells whether a node's labels satisfy one requirement (In, NotIn, Exists, DoesNotExist, Gt, Lt). */
export function matchesRequirement(r: Readonly<NodeSelectorRequirement>, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key]! : undefined;
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1 || !INTEGER_RE.test(values[0]!) || !INTEGER_RE.test(value)) return false;
      const have = Number(value);
      const want = Number(values[0]);
      return r.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** matchesTerm tells whether all of a term's requirements hold; a term without requirements matches nothing. */
export function matchesTerm(term: Readonly<NodeSelectorTerm>, labels: Readonly<Record<string, string>>): boolean {
  const exprs = term.matchExpressions ?? [];
  if (exprs.length === 0) return false;
  for (const r of exprs) if (!matchesRequirement(r, labels)) return false;
  return true;
}

/** matchesAnyTerm tells whether at least one term matches (terms are ORed). */
export function matchesAnyTerm(terms: readonly Readonly<NodeSelectorTerm>[], labels: Readonly<Record<string, string>>): boolean {
  for (const t of terms) if (matchesTerm(t, labels)) return true;
  return false;
}

/** matchesNodeSelector tells whether every nodeSelector pair is a label of the node. */
export function matchesNodeSelector(selector: Readonly<Record<string, string>> | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}
