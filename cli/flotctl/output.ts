/**
 * Printing objects for `-o yaml|json|name`: one object as itself, several as a `kind: List`, as
 * kubectl does. YAML is loaded only when asked for.
 */
import type { ResourceInfo } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import { UserError, typeName } from './context.js';

/** OUTPUT_FORMATS are the -o values flotctl prints. */
export const OUTPUT_FORMATS = ['wide', 'yaml', 'json', 'name'] as const;

/** OutputFormat is one -o value (or `jsonpath=TEMPLATE`), or undefined for the default table. */
export type OutputFormat = (typeof OUTPUT_FORMATS)[number] | `jsonpath=${string}` | undefined;

/** outputFormat checks an -o value. */
export function outputFormat(v: string | undefined): OutputFormat {
  if (v === undefined || v === '') return undefined;
  if ((OUTPUT_FORMATS as readonly string[]).includes(v) || v.startsWith('jsonpath=')) return v as OutputFormat;
  throw new UserError(`unable to match a printer suitable for the output format "${v}", allowed formats are: ${OUTPUT_FORMATS.join(',')},jsonpath=TEMPLATE`);
}

/** withTypeMeta fills kind and apiVersion, which list items may lack. */
export function withTypeMeta(r: ResourceInfo, o: KubeObject): KubeObject {
  if (o.kind && o.apiVersion) return o;
  return { ...o, kind: o.kind || r.kind, apiVersion: o.apiVersion || (r.group ? `${r.group}/${r.version}` : r.version) };
}

/** formatObjects renders objects as yaml, json or name lines; `single` prints one object bare, not in a List. */
export async function formatObjects(r: ResourceInfo, objs: KubeObject[], format: Exclude<OutputFormat, 'wide' | undefined>, single: boolean): Promise<string> {
  if (format === 'name') return objs.map((o) => `${typeName(r, o.metadata.name ?? '')}\n`).join('');
  const items = objs.map((o) => withTypeMeta(r, o));
  const value = single && items.length === 1 ? items[0] : { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items };
  if (format.startsWith('jsonpath=')) {
    const { jsonPath } = await import('./jsonpath.js');
    return jsonPath(format.slice('jsonpath='.length), value);
  }
  if (format === 'json') return `${JSON.stringify(value, null, 4)}\n`;
  const YAML = await import('yaml');
  return YAML.stringify(value, { lineWidth: 0 });
}
