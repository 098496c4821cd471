/**
 * The compactor keeps etcd's history bounded, as Kubernetes' API server does: every interval it
 * compacts to the revision it saw one interval earlier, so watchers that fall further behind than
 * that get 410 Gone and relist, and etcd's database does not grow without end.
 */
import type { Etcd3 } from 'etcd3';
import type { Logger } from 'pino';
import type { Storage } from './storage.js';

/** Compactor is a running compaction loop; stop() ends it. */
export interface Compactor {
  stop(): void;
}

/** startCompactor compacts every intervalMs (default 5 minutes) to the revision seen an interval earlier. */
export function startCompactor(etcd: Etcd3, storage: Storage, log: Logger, intervalMs = 5 * 60 * 1000): Compactor {
  let previous: string | undefined;
  const tick = async (): Promise<void> => {
    try {
      const now = await storage.currentRevision();
      if (previous !== undefined && Number(previous) > 1) {
        await etcd.kv.compact({ revision: previous, physical: false });
        log.debug({ revision: previous }, 'compacted etcd history');
      }
      previous = now;
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      // Another server may have compacted further already; that is fine.
      if (!/compacted/.test(msg)) log.warn({ err: msg }, 'etcd compaction failed');
      previous = undefined;
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  void tick();
  return { stop: () => clearInterval(timer) };
}
