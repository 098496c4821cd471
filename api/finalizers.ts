/**
 * The garbage collector's finalizers, as in Kubernetes: the API server adds one when a DELETE asks
 * for propagationPolicy Orphan or Foreground, and the collector removes it when its work is done.
 */

/** ORPHAN_FINALIZER marks an owner whose dependents must be kept (propagationPolicy=Orphan). */
export const ORPHAN_FINALIZER = 'orphan';
/** FOREGROUND_FINALIZER marks an owner that may go only after its dependents (propagationPolicy=Foreground). */
export const FOREGROUND_FINALIZER = 'foregroundDeletion';
