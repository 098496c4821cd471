/**
 * Expectations remember the creates and deletes a controller has asked for and not yet seen in
 * its cache, so a sync that runs before the informer catches up does not create the same pods
 * twice. They expire, so a lost event cannot wedge a controller.
 */
export class Expectations {
  private readonly pending = new Map<string, { adds: number; dels: number; at: number }>();

  constructor(private readonly ttlMs = 30_000) {}

  /** expect records that `adds` creates and `dels` deletes are on their way for key. */
  expect(key: string, adds: number, dels: number): void {
    this.pending.set(key, { adds, dels, at: Date.now() });
  }

  /** observedAdd counts one create seen in the cache. */
  observedAdd(key: string): void {
    const e = this.pending.get(key);
    if (e && e.adds > 0) e.adds--;
  }

  /** observedDelete counts one delete seen in the cache. */
  observedDelete(key: string): void {
    const e = this.pending.get(key);
    if (e && e.dels > 0) e.dels--;
  }

  /** lowerBy takes back expectations for writes that failed. */
  lowerBy(key: string, adds: number, dels: number): void {
    const e = this.pending.get(key);
    if (!e) return;
    e.adds = Math.max(0, e.adds - adds);
    e.dels = Math.max(0, e.dels - dels);
  }

  /** satisfied: nothing is outstanding for key (or what was has expired). */
  satisfied(key: string): boolean {
    const e = this.pending.get(key);
    if (!e) return true;
    if ((e.adds <= 0 && e.dels <= 0) || Date.now() - e.at > this.ttlMs) {
      this.pending.delete(key);
      return true;
    }
    return false;
  }

  /** forget drops key's expectations (its owner is gone). */
  forget(key: string): void {
    this.pending.delete(key);
  }
}
