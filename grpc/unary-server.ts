/**
 * unary-server.ts: serves unary gRPC methods over node:http2 (e.g. on a unix socket), in place of
 * grpc-js's server, whose per-call layers (interceptors, respond/sendMessage/serializeMessage)
 * cost about as much CPU as its client's. It keeps what a gRPC client relies on: `application/grpc`,
 * one length-prefixed request and answer, grpc-status/grpc-message trailers (trailers-only for
 * errors), grpc-timeout deadlines, UNIMPLEMENTED for unknown methods, a receive limit.
 */
import { createServer, type Http2Server, type IncomingHttpHeaders, type ServerHttp2Session, type ServerHttp2Stream } from 'node:http2';
import { SESSION_OPTIONS } from './client-session.js';
import { parseGrpcTimeout } from './deadline.js';
import { frameMessage, MessageReader } from './framing.js';
import { GrpcCode, GrpcError, statusHeaders } from './status.js';

/** UnaryMethod is one method: how its messages are read and written, and what answers a request. */
export interface UnaryMethod {
  decode(message: Buffer): unknown;
  encode(response: unknown): Uint8Array;
  /** handle answers; a thrown GrpcError ends the call with its status, anything else with INTERNAL and its message (never a stack). */
  handle(request: unknown): unknown;
}

/** UnaryServerOptions: the largest request taken, how long close() lets calls finish, where faults are logged. */
export interface UnaryServerOptions {
  maxReceiveBytes: number;
  closeGraceMs?: number;
  log?(message: string): void;
}

const DEFAULT_CLOSE_GRACE_MS = 5000;
// node:http2 copies headers and options it is given, so one of each serves every call. gRPC needs no date header.
const OK_HEADERS = { ':status': 200, 'content-type': 'application/grpc' };
const OK_TRAILERS = statusHeaders(GrpcCode.OK);
const ANSWER = { waitForTrailers: true, sendDate: false };
const ANSWER_TRAILERS_ONLY = { endStream: true, sendDate: false };

/** GrpcUnaryServer answers the methods, keyed by path ("/runtime.v1.RuntimeService/Version"). */
export class GrpcUnaryServer {
  private readonly server: Http2Server;
  private readonly sessions = new Set<ServerHttp2Session>();

  constructor(
    private readonly methods: ReadonlyMap<string, UnaryMethod>,
    private readonly opts: UnaryServerOptions,
  ) {
    this.server = createServer({ ...SESSION_OPTIONS });
    this.server.on('session', (s) => {
      this.sessions.add(s);
      s.on('error', () => {}); // a client gone mid-call; its streams close on their own
      s.once('close', () => this.sessions.delete(s));
    });
    this.server.on('stream', (stream, headers) => this.onStream(stream, headers));
  }

  /** listen serves on the unix socket at `path`. */
  listen(path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(path, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /**
   * close stops taking connections and calls, lets the calls under way finish, and resolves when
   * every connection is closed; calls still running after closeGraceMs are cut off.
   */
  close(): Promise<void> {
    return new Promise((resolve) => {
      const force = setTimeout(() => {
        for (const s of this.sessions) s.destroy();
      }, this.opts.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS);
      this.server.close(() => {
        clearTimeout(force);
        resolve();
      });
      for (const s of this.sessions) s.close(); // GOAWAY: streams under way go on, new ones are refused
    });
  }

  private onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    stream.on('error', () => {}); // a reset by the client: 'close' follows
    const contentType = headers['content-type'];
    if (headers[':method'] !== 'POST' || typeof contentType !== 'string' || !contentType.startsWith('application/grpc')) {
      // Not a gRPC call: HTTP 415, as the spec asks, with a status for gRPC clients that look anyway.
      stream.respond({ ':status': 415, ...statusHeaders(GrpcCode.INTERNAL, `not a gRPC call (content-type ${String(contentType)})`) }, ANSWER_TRAILERS_ONLY);
      return;
    }
    const path = headers[':path'] ?? '';
    const method = this.methods.get(path);
    if (!method) return this.fail(stream, new GrpcError(GrpcCode.UNIMPLEMENTED, `unknown method ${path}`));
    const timeoutMs = parseGrpcTimeout(headers['grpc-timeout']);
    let timer: NodeJS.Timeout | undefined;
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => this.fail(stream, new GrpcError(GrpcCode.DEADLINE_EXCEEDED, 'deadline exceeded')), timeoutMs);
      stream.once('close', () => clearTimeout(timer));
    }
    const reader = new MessageReader(this.opts.maxReceiveBytes);
    let request: Buffer | undefined;
    let count = 0;
    let failed = false;
    stream.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        for (const m of reader.push(chunk)) {
          request = m;
          count++;
        }
      } catch (err) {
        failed = true;
        this.fail(stream, err as GrpcError);
      }
    });
    stream.once('end', () => {
      if (failed) return;
      if (count !== 1 || reader.partial || !request) return this.fail(stream, new GrpcError(GrpcCode.INTERNAL, `a unary call takes one request message, got ${count}`));
      void this.run(stream, path, method, request, timer);
    });
  }

  private async run(stream: ServerHttp2Stream, path: string, method: UnaryMethod, message: Buffer, timer?: NodeJS.Timeout): Promise<void> {
    let frame: Buffer;
    try {
      const response = await method.handle(method.decode(message));
      frame = frameMessage(method.encode(response));
    } catch (err) {
      clearTimeout(timer);
      if (err instanceof GrpcError) return this.fail(stream, err);
      const text = err instanceof Error ? err.message : String(err);
      this.opts.log?.(`${path}: ${err instanceof Error ? (err.stack ?? text) : text}`);
      return this.fail(stream, new GrpcError(GrpcCode.INTERNAL, text));
    }
    clearTimeout(timer);
    if (stream.headersSent || stream.closed || stream.destroyed) return; // cancelled, or past its deadline
    stream.respond(OK_HEADERS, ANSWER);
    stream.once('wantTrailers', () => stream.sendTrailers(OK_TRAILERS));
    stream.end(frame);
  }

  /** fail ends the call with a trailers-only answer (once; a call already answered or gone is left alone). */
  private fail(stream: ServerHttp2Stream, err: GrpcError): void {
    if (stream.headersSent || stream.closed || stream.destroyed) return;
    stream.respond({ ...OK_HEADERS, ...statusHeaders(err.code, err.details) }, ANSWER_TRAILERS_ONLY);
  }
}
