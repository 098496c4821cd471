/**
 * client-session.ts: gRPC calls over one node:http2 session, opened on first use and again after
 * it drops. It replaces grpc-js's channel where we call one known server: grpc-js's per-call layers
 * (resolving and load-balancing calls, subchannels, credentials, interceptors, channelz) cost
 * ~1 ms of CPU per unary call, this ~0.1 ms. The session holds the process open only while
 * calls are in flight. Calls are not retried: a transport failure is UNAVAILABLE to the caller.
 */
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2';
import { encodeGrpcTimeout } from './deadline.js';
import { MessageReader } from './framing.js';
import { GrpcCode, GrpcError, readStatus, statusOfHttp } from './status.js';

const CONNECT_TIMEOUT_MS = 5000;
/** CLOSE_GRACE_MS is how long close() lets a session end its own way before destroying it. */
const CLOSE_GRACE_MS = 1000;

/** UnaryOptions bound one call: its deadline, and the largest answer taken. */
export interface UnaryOptions {
  timeoutMs?: number;
  maxReceiveBytes?: number;
}

/** SESSION_OPTIONS are what both of our ends give node:http2: no cap on session memory (as grpc-js: Node degrades badly at the cap). */
export const SESSION_OPTIONS = { maxSessionMemory: Number.MAX_SAFE_INTEGER, maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER } as const;

function requestHeaders(path: string, timeoutMs?: number): Record<string, string> {
  const h: Record<string, string> = { ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' };
  if (timeoutMs !== undefined) h['grpc-timeout'] = encodeGrpcTimeout(timeoutMs);
  return h;
}

/** GrpcClientSession makes calls to one server over a session `open` makes (e.g. http2.connect to a unix socket). */
export class GrpcClientSession {
  private session?: ClientHttp2Session;
  private inflight = 0;
  /** The streams open now, which close() ends before the session. */
  private readonly streams = new Set<ClientHttp2Stream>();
  private closed = false;

  /** `name` leads transport errors' messages ("etcd: ..."). */
  constructor(
    private readonly open: () => ClientHttp2Session,
    private readonly name: string,
  ) {}

  /** ready resolves once the session is connected, opening it if need be; rejects with UNAVAILABLE when connecting fails. */
  ready(): Promise<void> {
    let session: ClientHttp2Session;
    try {
      session = this.connected();
    } catch (err) {
      return Promise.reject(this.unavailable(err as Error));
    }
    if (!session.connecting) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const fail = (err?: Error): void => {
        session.off('connect', ok);
        reject(this.unavailable(err ?? new Error('the connection closed')));
      };
      const ok = (): void => {
        session.off('error', fail).off('close', fail);
        resolve();
      };
      session.once('connect', ok).once('error', fail).once('close', fail);
    });
  }

  /**
   * stream opens a call and leaves writing and reading it to the caller (a streaming RPC); like a
   * unary call in flight, it keeps the session referenced until it closes.
   */
  stream(path: string, timeoutMs?: number): ClientHttp2Stream {
    if (this.closed) throw new GrpcError(GrpcCode.UNAVAILABLE, `${this.name}: the client is closed`);
    let stream: ClientHttp2Stream;
    try {
      stream = this.connected().request(requestHeaders(path, timeoutMs));
    } catch (err) {
      this.session = undefined;
      throw this.unavailable(err as Error);
    }
    this.track(stream);
    return stream;
  }

  /** unary sends one framed request and resolves with the answer's message (without its prefix). */
  unary(path: string, frame: Buffer, opts: UnaryOptions = {}): Promise<Buffer> {
    let stream: ClientHttp2Stream;
    try {
      stream = this.stream(path, opts.timeoutMs);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<Buffer>((resolve, reject) => {
      const reader = new MessageReader(opts.maxReceiveBytes);
      let message: Buffer | undefined;
      let extra = false;
      let outcome: { code: GrpcCode; details: string } | undefined;
      let httpStatus = 0;
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const fail = (err: GrpcError, cancel = false): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (cancel && !stream.closed) stream.close(0x8); // NGHTTP2_CANCEL: the server may stop working on it
        reject(err);
      };
      if (opts.timeoutMs !== undefined) {
        timer = setTimeout(() => fail(new GrpcError(GrpcCode.DEADLINE_EXCEEDED, `deadline of ${opts.timeoutMs} ms exceeded`), true), opts.timeoutMs);
        timer.unref();
      }
      const onHeaders = (h: IncomingHttpHeaders): void => {
        if (h[':status'] !== undefined) httpStatus = Number(h[':status']);
        outcome ??= readStatus(h);
      };
      stream.on('response', onHeaders);
      stream.on('trailers', onHeaders);
      stream.on('data', (chunk: Buffer) => {
        if (settled) return;
        try {
          for (const m of reader.push(chunk)) {
            if (message) extra = true;
            message = m;
          }
        } catch (err) {
          fail(err as GrpcError, true);
        }
      });
      stream.on('error', (err) => fail(this.unavailable(err)));
      stream.on('end', () => {
        if (settled) return;
        if (!outcome) {
          const code = httpStatus === 200 ? GrpcCode.UNKNOWN : statusOfHttp(httpStatus);
          return fail(new GrpcError(code, `${this.name}: the answer (HTTP ${httpStatus}) carries no gRPC status`));
        }
        if (outcome.code !== GrpcCode.OK) return fail(new GrpcError(outcome.code, outcome.details));
        if (!message || extra || reader.partial) return fail(new GrpcError(GrpcCode.INTERNAL, `${this.name}: a unary answer must hold exactly one message`));
        settled = true;
        clearTimeout(timer);
        resolve(message);
      });
      stream.on('close', () => {
        if (!settled) fail(this.unavailable(new Error(`the call ended before its answer (HTTP/2 code ${stream.rstCode ?? 'none'})`)));
      });
      stream.end(frame);
    });
  }

  /**
   * close ends the session; calls in flight fail. The promise settles once node has closed the
   * session's handle: a process that exits with an HTTP/2 session still being torn down can spin
   * forever in node's exit cleanup (nodejs/node#47748), so owners that stop await it.
   */
  close(): Promise<void> {
    this.closed = true;
    const session = this.session;
    this.session = undefined;
    if (!session || session.destroyed) return Promise.resolve();
    const done = new Promise<void>((resolve) => session.once('close', () => resolve()));
    // Streams first, then the session, each closed the way node expects; destroying a session
    // with streams still open has crashed node in its teardown. A session that does not close
    // at once (a server gone quiet) is destroyed.
    for (const stream of this.streams) if (!stream.closed) stream.close(0x8); // NGHTTP2_CANCEL
    session.close();
    const force = setTimeout(() => session.destroy(), CLOSE_GRACE_MS);
    force.unref();
    return done.finally(() => clearTimeout(force));
  }

  private unavailable(err: Error): GrpcError {
    return new GrpcError(GrpcCode.UNAVAILABLE, `${this.name}: ${err.message}`, { cause: err });
  }

  /** track keeps the session referenced while the stream is open. */
  private track(stream: ClientHttp2Stream): void {
    if (this.inflight++ === 0) this.session?.ref();
    this.streams.add(stream);
    stream.once('close', () => {
      this.streams.delete(stream);
      if (--this.inflight === 0) this.session?.unref();
    });
  }

  private connected(): ClientHttp2Session {
    const cur = this.session;
    if (cur && !cur.closed && !cur.destroyed) return cur;
    const session = this.open();
    this.session = session;
    const timer = setTimeout(() => session.destroy(new Error(`connecting took over ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
    timer.unref();
    const forget = (): void => {
      clearTimeout(timer);
      if (this.session === session) this.session = undefined;
    };
    session.once('connect', () => clearTimeout(timer));
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', forget);
    if (this.inflight === 0) session.unref();
    return session;
  }
}
