/**
 * What every controller is built from: a read-only cache of objects fed by an informer, a narrow
 * writer (so a test can swap the API client for a recorder), keys, and a logger.
 */
import type { ApiClient } from '../api/client.js';
import type { KubeObject } from '../api/types.js';

/** ObjectCache is the part of api/informer.ts's Informer a controller reads and listens to. */
export interface ObjectCache<T extends KubeObject> {
  list(): readonly Readonly<T>[];
  get(key: string): Readonly<T> | undefined;
  on(event: 'add', handler: (obj: Readonly<T>) => void): unknown;
  on(event: 'update', handler: (oldObj: Readonly<T>, newObj: Readonly<T>) => void): unknown;
  on(event: 'delete', handler: (obj: Readonly<T>) => void): unknown;
}

/** Writer is the part of ApiClient controllers write through; tests replace it with a recorder. */
export type Writer = Pick<ApiClient, 'create' | 'update' | 'updateStatus' | 'patch' | 'delete' | 'get'>;

/** Logger is the pino-shaped logger controllers report to. */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** keyOf is the queue key of an object: `namespace/name`, or `name` when cluster-scoped. */
export function keyOf(obj: { metadata: { name?: string; namespace?: string } }): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
}

/** splitKey is the inverse of keyOf. */
export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

/** silentLogger drops everything (the default in tests). */
export const silentLogger: Logger = { info() {}, warn() {}, debug() {} };
