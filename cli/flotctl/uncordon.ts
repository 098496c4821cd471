/**
 * `flotctl uncordon NODE`: cordon.ts in reverse.
 */
import type { Context } from './context.js';
import { setUnschedulable } from './cordon.js';

/** usage is printed by `flotctl uncordon -h`. */
export { usage } from './cordon.js';

/** run uncordons the nodes. */
export function run(ctx: Context, args: string[]): Promise<number> {
  return setUnschedulable(ctx, args, false);
}
