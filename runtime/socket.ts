/**
 * socket.ts: where `flotilla runtime` listens unless told otherwise, in a module of its own so
 * that the runtime's command line reads it without loading the client.
 */

/** DEFAULT_RUNTIME_SOCKET is the runtime service's unix socket unless --socket says otherwise. */
export const DEFAULT_RUNTIME_SOCKET = '/run/flotilla/runtime.sock';
