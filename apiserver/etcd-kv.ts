/**
 * EtcdKv: the etcd KV calls the storage layer makes on every request (Range of a key or a
 * prefix, and a Txn that compares one key's revision and puts or deletes it) as gRPC unary calls
 * over one node:http2 session, in the wire form of etcd-wire.ts. etcd3's general client (grpc-js's
 * call stack, protobufjs, its retry and circuit-breaker policies) cost 0.4–1 ms of CPU per call in
 * the API server against ~0.15 ms here: more than half of a pod create. Watches and compaction
 * stay on etcd3. Calls are not retried: a failure is the caller's 503, and the next call
 * connects again (to the next endpoint after a connection error).
 */
import { connect, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import { decodeRange, decodeTxn, encodeRange, encodeTxn, type RangeResult, type TxnCompare, type TxnOp, type TxnResult } from './etcd-wire.js';

/** EtcdCallError is a failed etcd call: gRPC's status code (14 UNAVAILABLE for transport failures) and etcd's message. */
export class EtcdCallError extends Error {
  constructor(
    message: string,
    readonly grpcCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EtcdCallError';
  }
}

const UNAVAILABLE = 14;
const CONNECT_TIMEOUT_MS = 5000;

function callHeaders(path: string): Record<string, string> {
  return { ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' };
}
const RANGE = callHeaders('/etcdserverpb.KV/Range');
const TXN = callHeaders('/etcdserverpb.KV/Txn');

function grpcMessage(raw: unknown): string {
  const s = String(raw ?? '');
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** EtcdKv makes Range and Txn calls to the first etcd endpoint that answers. */
export class EtcdKv {
  private session?: ClientHttp2Session;
  private endpointIndex = 0;
  private inflight = 0;
  private closed = false;

  constructor(readonly endpoints: readonly string[]) {
    if (endpoints.length === 0) throw new Error('EtcdKv needs at least one etcd endpoint');
  }

  /** range reads `key`, or every key from `key` up to `rangeEnd`, at `revision` (0: the latest). */
  async range(key: string | Buffer, rangeEnd?: Buffer, revision?: number): Promise<RangeResult> {
    return decodeRange(await this.call(RANGE, encodeRange(key, rangeEnd, revision)));
  }

  /** txn runs `op` on `key` when the key's create or mod revision is the compare's. */
  async txn(key: string, compare: TxnCompare, op: TxnOp): Promise<TxnResult> {
    return decodeTxn(await this.call(TXN, encodeTxn(key, compare, op)));
  }

  /**
   * stream opens a long-lived gRPC call (a Watch) on the shared session and leaves writing and
   * reading it to the caller; like a call in flight, it keeps the session referenced until it closes.
   */
  stream(path: string): ClientHttp2Stream {
    if (this.closed) throw new EtcdCallError('the etcd client is closed', UNAVAILABLE);
    const session = this.connected();
    const stream = session.request(callHeaders(path));
    if (this.inflight++ === 0) session.ref();
    stream.once('close', () => {
      if (--this.inflight === 0) this.session?.unref();
    });
    return stream;
  }

  /** close ends the session; calls in flight fail. */
  close(): void {
    this.closed = true;
    this.session?.destroy();
    this.session = undefined;
  }

  private connected(): ClientHttp2Session {
    const cur = this.session;
    if (cur && !cur.closed && !cur.destroyed) return cur;
    const endpoint = this.endpoints[this.endpointIndex % this.endpoints.length]!;
    const session = connect(endpoint, { settings: { initialWindowSize: 1 << 20 } });
    this.session = session;
    const timer = setTimeout(() => session.destroy(new Error(`connecting to etcd at ${endpoint} took over ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
    timer.unref();
    const forget = (): void => {
      clearTimeout(timer);
      if (this.session === session) this.session = undefined;
    };
    session.once('connect', () => clearTimeout(timer));
    session.on('error', () => {
      forget();
      this.endpointIndex++;
    });
    session.on('goaway', forget);
    session.on('close', forget);
    if (this.inflight === 0) session.unref();
    return session;
  }

  /** call sends one gRPC frame and resolves with the answer's message (without its 5-byte prefix). */
  private call(headers: Record<string, string>, frame: Buffer): Promise<Buffer> {
    if (this.closed) return Promise.reject(new EtcdCallError('the etcd client is closed', UNAVAILABLE));
    let session: ClientHttp2Session | undefined;
    let stream: ClientHttp2Stream;
    try {
      session = this.connected();
      stream = session.request(headers);
    } catch (err) {
      if (session && this.session === session) this.session = undefined;
      return Promise.reject(new EtcdCallError(`etcd: ${(err as Error).message}`, UNAVAILABLE, { cause: err }));
    }
    if (this.inflight++ === 0) session.ref();
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let status: string | undefined;
      let message = '';
      let settled = false;
      const fail = (err: EtcdCallError): void => {
        if (settled) return;
        settled = true;
        reject(err);
      };
      const readStatus = (h: IncomingHttpHeaders): void => {
        if (h['grpc-status'] === undefined) return;
        status = String(h['grpc-status']);
        message = grpcMessage(h['grpc-message']);
      };
      stream.on('response', readStatus);
      stream.on('trailers', readStatus);
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (err) => fail(new EtcdCallError(`etcd: ${err.message}`, UNAVAILABLE, { cause: err })));
      stream.on('end', () => {
        if (settled) return;
        if (status === undefined) return fail(new EtcdCallError('etcd answered without a gRPC status', UNAVAILABLE));
        if (status !== '0') return fail(new EtcdCallError(message || `etcd answered gRPC status ${status}`, Number(status)));
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        if (body.length < 5 || body[0] !== 0 || body.readUInt32BE(1) !== body.length - 5) {
          return fail(new EtcdCallError('etcd answered a malformed gRPC message', UNAVAILABLE));
        }
        settled = true;
        resolve(body.subarray(5));
      });
      stream.on('close', () => {
        if (--this.inflight === 0) this.session?.unref();
        if (!settled) fail(new EtcdCallError(`etcd: the call ended before its answer (HTTP/2 code ${stream.rstCode ?? 'none'})`, UNAVAILABLE));
      });
      stream.end(frame);
    });
  }
}
