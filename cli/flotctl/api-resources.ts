/**
 * `flotctl api-resources`: the kinds flotctl and the API server know, from api/resources.ts.
 */
import { apiVersionOf, RESOURCES } from '../../api/resources.js';
import type { Context } from './context.js';
import { alignRow, columnWidths } from './table-format.js';

/** usage is printed by `flotctl api-resources -h`. */
export const usage = 'Usage: flotctl api-resources\n\nList the kinds the API serves, with their short names.\n';

/** run prints NAME SHORTNAMES APIVERSION NAMESPACED KIND as kubectl does. */
export async function run(ctx: Context, _args: string[]): Promise<number> {
  const rows = [['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND'],
    ...RESOURCES.map((r) => [r.plural, r.shortNames.join(','), apiVersionOf(r), String(r.namespaced), r.kind])];
  const w = columnWidths(rows);
  ctx.out.write(rows.map((r) => alignRow(r, w)).join('\n') + '\n');
  return 0;
}
