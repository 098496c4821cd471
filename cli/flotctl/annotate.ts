/**
 * `flotctl annotate KIND NAME key=value... key-`: label.ts's logic on annotations.
 */
import type { Context } from './context.js';
import { runFor } from './label.js';

/** usage is printed by `flotctl annotate -h`. */
export { usage } from './label.js';

/** run sets or removes annotations. */
export function run(ctx: Context, args: string[]): Promise<number> {
  return runFor('annotations', ctx, args);
}
