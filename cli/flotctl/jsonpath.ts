/**
 * The subset of kubectl's JSONPath templates that scripts use: `-o jsonpath='{.status.podIP}'`,
 * `{.items[*].metadata.name}`, `{range .items[*]}{.metadata.name}{"\n"}{end}`, with `.field`,
 * `['field']`, `[n]` and `[*]` steps. Several results print space-separated; objects as JSON.
 */
import { UserError } from './context.js';

type Step = { field: string } | { index: number } | { all: true };
type Node = { text: string } | { path: Step[] } | { range: Step[]; body: Node[] };

function parsePath(expr: string, template: string): Step[] {
  const steps: Step[] = [];
  let s = expr.trim();
  if (s.startsWith('$')) s = s.slice(1);
  const re = /^(?:\.([A-Za-z0-9_-]+)|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\]|\[\s*(-?\d+)\s*\]|\[\s*\*\s*\]|\.\*)/;
  while (s.length) {
    const m = re.exec(s);
    if (!m) throw new UserError(`error parsing jsonpath ${template}: unsupported expression "${s}"`);
    if (m[1] !== undefined) steps.push({ field: m[1] });
    else if (m[2] !== undefined) steps.push({ field: m[2] });
    else if (m[3] !== undefined) steps.push({ field: m[3] });
    else if (m[4] !== undefined) steps.push({ index: Number(m[4]) });
    else steps.push({ all: true });
    s = s.slice(m[0].length);
  }
  return steps;
}

/** parseJsonPath parses a template into literal text, paths and range blocks. */
export function parseJsonPath(template: string): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open < 0) {
      stack[stack.length - 1].push({ text: template.slice(i) });
      break;
    }
    if (open > i) stack[stack.length - 1].push({ text: template.slice(i, open) });
    const close = template.indexOf('}', open);
    if (close < 0) throw new UserError(`error parsing jsonpath ${template}: unclosed action`);
    const inner = template.slice(open + 1, close).trim();
    const cur = stack[stack.length - 1];
    if (inner.startsWith('"')) {
      try {
        cur.push({ text: JSON.parse(inner) as string });
      } catch {
        throw new UserError(`error parsing jsonpath ${template}: bad string literal ${inner}`);
      }
    } else if (inner.startsWith('range ')) {
      const node: Node = { range: parsePath(inner.slice(6), template), body: [] };
      cur.push(node);
      stack.push(node.body);
    } else if (inner === 'end') {
      if (stack.length === 1) throw new UserError(`error parsing jsonpath ${template}: {end} without {range}`);
      stack.pop();
    } else {
      cur.push({ path: parsePath(inner, template) });
    }
    i = close + 1;
  }
  if (stack.length !== 1) throw new UserError(`error parsing jsonpath ${template}: {range} without {end}`);
  return root;
}

function evaluate(values: unknown[], steps: Step[]): unknown[] {
  let cur = values;
  for (const st of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if ('field' in st) {
        if (v !== null && typeof v === 'object' && !Array.isArray(v) && st.field in v) next.push((v as Record<string, unknown>)[st.field]);
      } else if ('index' in st) {
        if (Array.isArray(v)) {
          const item = v[st.index < 0 ? v.length + st.index : st.index];
          if (item !== undefined) next.push(item);
        }
      } else if (Array.isArray(v)) {
        next.push(...v);
      } else if (v !== null && typeof v === 'object') {
        next.push(...Object.values(v));
      }
    }
    cur = next;
  }
  return cur;
}

function show(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function render(nodes: Node[], data: unknown): string {
  let out = '';
  for (const n of nodes) {
    if ('text' in n) out += n.text;
    else if ('path' in n) out += evaluate([data], n.path).map(show).join(' ');
    else for (const item of evaluate([data], n.range)) out += render(n.body, item);
  }
  return out;
}

/** jsonPath renders a template against data, as `kubectl get -o jsonpath=TEMPLATE` does. */
export function jsonPath(template: string, data: unknown): string {
  return render(parseJsonPath(template), data);
}
