/**
 * The scheduler's configuration file (`--config FILE`, YAML or JSON): score plugin weights, the share
 * of nodes to score, and how many binds may be in flight. Every field has a default; a bad field is
 * reported with the file, line and field name.
 *
 *   scoreWeights:                      # 0 turns a score plugin off
 *     NodeResourcesLeastAllocated: 1
 *     NodeResourcesBalancedAllocation: 1
 *     SelectorSpread: 2
 *     NodeAffinity: 2
 *     TaintToleration: 3
 *   percentageOfNodesToScore: 0        # 0 = adaptive (50% at 100 nodes, down to 5%), else 1..100
 *   bindConcurrency: 16
 */
import { readFileSync } from 'node:fs';
import { LineCounter, isMap, isScalar, parseDocument, type Document } from 'yaml';
import { SchedulerError } from './errors.js';

/** SCORE_PLUGINS are the score plugins a weight can be given to. */
export const SCORE_PLUGINS = [
  'NodeResourcesLeastAllocated', 'NodeResourcesBalancedAllocation', 'SelectorSpread', 'NodeAffinity', 'TaintToleration',
] as const;

/** ScorePluginName is one name of SCORE_PLUGINS. */
export type ScorePluginName = (typeof SCORE_PLUGINS)[number];

/** SchedulerConfig is the resolved configuration. */
export interface SchedulerConfig {
  scoreWeights: Record<ScorePluginName, number>;
  /** percentageOfNodesToScore: 0 is adaptive, 1..100 a fixed share. */
  percentageOfNodesToScore: number;
  bindConcurrency: number;
}

/** DEFAULT_SCORE_WEIGHTS follow Kubernetes' defaults (TaintToleration 3, NodeAffinity 2, spreading 2, resources 1). */
export const DEFAULT_SCORE_WEIGHTS: Readonly<Record<ScorePluginName, number>> = Object.freeze({
  NodeResourcesLeastAllocated: 1,
  NodeResourcesBalancedAllocation: 1,
  SelectorSpread: 2,
  NodeAffinity: 2,
  TaintToleration: 3,
});

/** defaultConfig is the configuration without a file. */
export function defaultConfig(): SchedulerConfig {
  return { scoreWeights: { ...DEFAULT_SCORE_WEIGHTS }, percentageOfNodesToScore: 0, bindConcurrency: 16 };
}

const TOP_KEYS = ['scoreWeights', 'percentageOfNodesToScore', 'bindConcurrency'];

function where(file: string, doc: Document, lc: LineCounter, path: string[]): string {
  // Point at the key of the offending field (its value when the key cannot be found).
  const parent = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  const last = path[path.length - 1];
  let offset: number | undefined;
  if (isMap(parent)) {
    const pair = parent.items.find((it) => (isScalar(it.key) ? String(it.key.value) : String(it.key)) === last);
    offset = (pair?.key as { range?: [number, number, number] } | undefined)?.range?.[0];
  }
  if (offset === undefined) return file;
  const { line, col } = lc.linePos(offset);
  return `${file}:${line}:${col}`;
}

function intIn(v: unknown, lo: number, hi: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
}

/** parseSchedulerConfig reads a config file's text; `file` is only used in messages. */
export function parseSchedulerConfig(text: string, file: string): SchedulerConfig {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0];
    throw new SchedulerError('FLT_ERR_SCHED_CONFIG', `${file}${pos ? `:${pos.line}:${pos.col}` : ''}: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  const cfg = defaultConfig();
  if (doc.contents === null) return cfg;
  if (!isMap(doc.contents)) throw new SchedulerError('FLT_ERR_SCHED_CONFIG', `${file}: expected a mapping with keys ${TOP_KEYS.join(', ')}`);
  const bad = (path: string[], msg: string): never => {
    throw new SchedulerError('FLT_ERR_SCHED_CONFIG', `${where(file, doc, lc, path)}: ${path.join('.')}: ${msg}`);
  };
  for (const item of doc.contents.items) {
    const key = isScalar(item.key) ? String(item.key.value) : String(item.key);
    if (!TOP_KEYS.includes(key)) bad([key], `unknown field (known: ${TOP_KEYS.join(', ')})`);
  }
  const raw = doc.toJS() as Record<string, unknown>;
  if (raw.percentageOfNodesToScore !== undefined) {
    if (!intIn(raw.percentageOfNodesToScore, 0, 100)) bad(['percentageOfNodesToScore'], 'must be an integer 0..100 (0 = adaptive)');
    cfg.percentageOfNodesToScore = raw.percentageOfNodesToScore as number;
  }
  if (raw.bindConcurrency !== undefined) {
    if (!intIn(raw.bindConcurrency, 1, 1024)) bad(['bindConcurrency'], 'must be an integer 1..1024');
    cfg.bindConcurrency = raw.bindConcurrency as number;
  }
  if (raw.scoreWeights !== undefined && raw.scoreWeights !== null) {
    if (typeof raw.scoreWeights !== 'object' || Array.isArray(raw.scoreWeights)) bad(['scoreWeights'], 'must be a mapping of plugin name to weight');
    for (const [name, w] of Object.entries(raw.scoreWeights as Record<string, unknown>)) {
      if (!(SCORE_PLUGINS as readonly string[]).includes(name)) bad(['scoreWeights', name], `unknown score plugin (known: ${SCORE_PLUGINS.join(', ')})`);
      if (!intIn(w, 0, 100)) bad(['scoreWeights', name], 'weight must be an integer 0..100 (0 turns the plugin off)');
      cfg.scoreWeights[name as ScorePluginName] = w as number;
    }
  }
  return cfg;
}

/** loadSchedulerConfig reads `--config FILE`; without a file it gives the defaults. */
export function loadSchedulerConfig(file?: string): SchedulerConfig {
  if (!file) return defaultConfig();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SchedulerError('FLT_ERR_SCHED_CONFIG', `cannot read scheduler config ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseSchedulerConfig(text, file);
}
