/**
 * The option and handle types of ApiClient (api/client.ts), apart so the client file holds only
 * behaviour. Import them from api/client.js, which re-exports every one.
 */
import type { ResourceInfo } from './resources.js';

/** ApiClientOptions configures one client: where the server is and how to trust and authenticate to it. */
export interface ApiClientOptions {
  server: string;
  token?: string;
  /** PEM of the CA that signed the server's certificate. */
  ca?: string | Buffer;
  insecureSkipTLSVerify?: boolean;
  userAgent?: string;
  /** Timeout of a non-streaming request, in ms (default 30 s). */
  timeoutMs?: number;
}

/** ResourceRef is a ResourceInfo or what a user types for one ("pods", "po", "Pod"). */
export type ResourceRef = ResourceInfo | string;

/** ListOptions narrow a list or watch. */
export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
}

/** WatchOptions are ListOptions plus where to start and how long to stay. */
export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  /** Abort the stream when no byte arrived for this long (guards against silently cut links). */
  idleTimeoutMs?: number;
}

/** WatchHandle stops a watch; `done` settles when the stream ends (rejects on an HTTP or transport error). */
export interface WatchHandle {
  stop(): void;
  done: Promise<void>;
}

/** DeleteOptions are Kubernetes' delete options, sent both as query and body. */
export interface DeleteOptions {
  namespace?: string;
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** TableOptions select what a server-side Table shows. */
export interface TableOptions {
  namespace?: string;
  name?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Keep the columns of priority > 0 (kubectl's -o wide); without it they are dropped. */
  wide?: boolean;
}

/** LogOptions are the query parameters of pods/NAME/log. */
export interface LogOptions {
  container?: string;
  follow?: boolean;
  tailLines?: number;
  timestamps?: boolean;
  previous?: boolean;
  sinceSeconds?: number;
}
