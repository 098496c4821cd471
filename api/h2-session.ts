/**
 * h2-session.ts: the one HTTP/2 session an ApiClient sends everything over (short requests,
 * watches, log streams), opened on first use and again after it drops. One TLS handshake per
 * client instead of one per pooled socket: 50 concurrent creates on a fresh client cost 0.22-0.32 s
 * of CPU (client and API server together) over HTTP/1.1 keep-alive sockets, 0.08-0.11 s over one
 * session; warm, with 16 creates in flight, a create costs the client ~40% less CPU and the server
 * ~10% less (bench:api).
 *
 * A session holds the process open only while streams are open on it: an idle client lets its
 * process exit, as it did with the HTTP/1.1 pool's idle sockets. A request is sent again (once, on a fresh session) only when the server cannot
 * have acted on it: it was refused (REFUSED_STREAM, or past a GOAWAY), or it is a read and the
 * session died under it before any answer. A write lost that way fails with FLT_ERR_CLIENT_CONNECT,
 * which isRetryable() callers retry knowing their own semantics (a create that may have happened).
 */
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type OutgoingHttpHeaders, type SecureClientSessionOptions } from 'node:http2';

const { NGHTTP2_CANCEL, NGHTTP2_NO_ERROR, NGHTTP2_REFUSED_STREAM } = constants;

/**
 * H2_WINDOW_BYTES is the flow-control window both of our ends give each stream and each session:
 * with node's default of 64 KiB a big list or a busy watch waits a round trip per 64 KiB.
 */
export const H2_WINDOW_BYTES = 4 << 20;

/**
 * H2_SESSION_OPTIONS are what both ends give node:http2: no cap on session memory (past its cap
 * node refuses new streams, and a client reading a big list slowly would get its watches refused).
 */
export const H2_SESSION_OPTIONS = { maxSessionMemory: Number.MAX_SAFE_INTEGER, maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER } as const;

/** IDLE_CLOSE_MS closes a session that carried no stream for this long, as the server closes idle HTTP/1.1 sockets. */
const IDLE_CLOSE_MS = 65_000;
/** PING_TIMEOUT_MS is how long a session suspected dead (a stream timed out on it) has to answer a ping. */
const PING_TIMEOUT_MS = 5_000;

// Always explicit: node ends a DELETE's stream by default, and ours may carry DeleteOptions.
const NO_BODY = { endStream: true } as const;
const WITH_BODY = { endStream: false } as const;

/** H2Request is one request to send. */
export interface H2Request {
  /** Headers with lowercase names, :method and :path included. */
  headers: OutgoingHttpHeaders;
  body?: string;
  /** Cancel the stream after this long without a byte either way; 0 or absent: never. */
  timeoutMs?: number;
  /** The error a timeout fails the request with. */
  timeoutError?: () => Error;
  /** A read that may be sent again when its session died before answering. */
  idempotent: boolean;
}

/**
 * H2Handlers receive a request's outcome: at most one response, then done or fail. The stream's
 * own 'end' does not tell: node ends a stream's readable side when its session dies, too.
 */
export interface H2Handlers {
  /** The answer's headers arrived; the stream carries its body (read its 'data'). */
  response(status: number, stream: ClientHttp2Stream): void;
  /** The body is complete: the server ended the stream, without a reset. */
  done(): void;
  /** The request failed, before the answer or during its body: transport error, reset, timeout. */
  fail(err: Error): void;
}

/** H2Call is a request in flight; cancel() resets its stream and nothing more is reported. */
export interface H2Call {
  cancel(): void;
}

interface Conn {
  session: ClientHttp2Session;
  /** Streams open on it: the session is referenced (holds the process) only while there are some. */
  open: number;
  /** It finished its handshake: a stream lost on it may be retried; a failed connect is final. */
  connected: boolean;
  /** What ended it, which explains the failures of its streams. */
  error?: Error;
  closedByUs: boolean;
  pinging: boolean;
}

/** H2Session opens and reopens one HTTP/2 session to `origin` and sends requests over it. */
export class H2Session {
  private current?: Conn;
  /** Every live session: the current one, and older ones draining streams after a GOAWAY. */
  private readonly conns = new Set<Conn>();

  constructor(
    private readonly origin: string,
    private readonly options: SecureClientSessionOptions,
  ) {}

  /** request sends one request and reports to `h`; the returned call cancels it. */
  request(req: H2Request, h: H2Handlers): H2Call {
    const call = { cancelled: false, stream: undefined as ClientHttp2Stream | undefined, cancel: () => {} };
    call.cancel = () => {
      call.cancelled = true;
      if (call.stream && !call.stream.closed) call.stream.close(NGHTTP2_CANCEL);
    };
    this.attempt(req, h, call, true);
    return call;
  }

  /** close ends every session at once (streams in flight fail); a later request opens a new one. */
  close(): void {
    for (const c of this.conns) {
      c.closedByUs = true;
      c.session.destroy();
    }
    this.conns.clear();
    this.current = undefined;
  }

  private attempt(req: H2Request, h: H2Handlers, call: { cancelled: boolean; stream?: ClientHttp2Stream }, mayRetry: boolean): void {
    let conn: Conn | undefined;
    let stream: ClientHttp2Stream;
    try {
      conn = this.connection();
      stream = conn.session.request(req.headers, req.body === undefined ? NO_BODY : WITH_BODY);
    } catch (err) {
      // Nothing was sent: a session that died before we noticed is replaced once.
      if (mayRetry && conn && (conn.session.closed || conn.session.destroyed)) {
        this.forget(conn);
        return this.attempt(req, h, call, false);
      }
      return h.fail(conn?.error ?? (err as Error));
    }
    const c = conn;
    if (c.open++ === 0) c.session.ref();
    call.stream = stream;
    let answered = false;
    let settled = false;
    let timedOut: Error | undefined;
    const fail = (err?: Error): void => {
      if (settled) return;
      settled = true;
      if (call.cancelled) return;
      const refused = stream.rstCode === NGHTTP2_REFUSED_STREAM;
      const lost = c.connected && !c.closedByUs && !timedOut && (c.session.destroyed || c.session.closed);
      if (mayRetry && !answered && (refused || (req.idempotent && lost))) return this.attempt(req, h, call, false);
      h.fail(timedOut ?? this.reason(c, stream, err));
    };
    if (req.timeoutMs) {
      stream.setTimeout(req.timeoutMs, () => {
        timedOut = req.timeoutError?.() ?? new Error(`no data for ${req.timeoutMs} ms`);
        this.suspect(c);
        stream.close(NGHTTP2_CANCEL);
        fail();
      });
    }
    stream.once('response', (headers) => {
      answered = true;
      if (!call.cancelled) h.response(Number(headers[':status']), stream);
    });
    stream.on('error', (err) => fail(err));
    stream.once('close', () => {
      if (--c.open === 0 && !c.session.destroyed) c.session.unref();
      if (settled || call.cancelled) return;
      if (answered && stream.rstCode === NGHTTP2_NO_ERROR && !c.closedByUs) {
        settled = true;
        return h.done();
      }
      fail();
    });
    if (req.body !== undefined) stream.end(req.body);
  }

  /** reason explains a stream that ended without its answer, preferring what ended its session. */
  private reason(c: Conn, stream: ClientHttp2Stream, err?: Error): Error {
    if (c.closedByUs) return new Error('the client was closed');
    let e = c.error ?? err;
    // A stream still waiting for its session carries the session's failure as its cause.
    if ((e as NodeJS.ErrnoException | undefined)?.code === 'ERR_HTTP2_STREAM_CANCEL' && e!.cause instanceof Error) e = e!.cause;
    if (e) return explain(e);
    if (c.session.destroyed || c.session.closed) return new Error('the connection closed before the answer was complete');
    return new Error(`the server reset the stream (HTTP/2 error code ${stream.rstCode ?? 'none'})`);
  }

  private connection(): Conn {
    const cur = this.current;
    if (cur && !cur.session.closed && !cur.session.destroyed) return cur;
    const session = connect(this.origin, { ...this.options, ...H2_SESSION_OPTIONS, settings: { enablePush: false, initialWindowSize: H2_WINDOW_BYTES } });
    const conn: Conn = { session, open: 0, connected: false, closedByUs: false, pinging: false };
    this.current = conn;
    this.conns.add(conn);
    session.unref(); // until a stream opens on it
    session.once('connect', () => {
      conn.connected = true;
      session.setLocalWindowSize(H2_WINDOW_BYTES);
    });
    session.on('error', (err) => {
      conn.error ??= err;
      this.forget(conn);
    });
    session.on('goaway', () => this.forget(conn));
    session.once('close', () => {
      this.forget(conn);
      this.conns.delete(conn);
    });
    session.setTimeout(IDLE_CLOSE_MS, () => {
      if (conn.open === 0) session.close();
    });
    return conn;
  }

  /** forget stops handing out a session; streams already on it carry on. */
  private forget(conn: Conn): void {
    if (this.current === conn) this.current = undefined;
  }

  /**
   * suspect pings a session a stream timed out on: one that does not answer (a link cut without a
   * reset, a peer that froze) is destroyed, so the next request connects afresh instead of waiting
   * out its own timeout on the same dead session.
   */
  private suspect(conn: Conn): void {
    const { session } = conn;
    if (conn.pinging || session.destroyed || session.closed) return;
    if (session.connecting) return this.kill(conn, new Error('connecting to the server did not finish in time'));
    conn.pinging = true;
    const timer = setTimeout(() => this.kill(conn, new Error(`the server did not answer a ping within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
    timer.unref();
    try {
      session.ping(() => {
        conn.pinging = false;
        clearTimeout(timer);
      });
    } catch {
      conn.pinging = false;
      clearTimeout(timer);
    }
  }

  private kill(conn: Conn, err: Error): void {
    conn.error ??= err;
    this.forget(conn);
    conn.session.destroy(err);
  }
}

/** explain words a session failure for people: an HTTP/1.1-only server refuses ALPN "h2" with a cryptic TLS alert. */
function explain(err: Error): Error {
  if ((err as NodeJS.ErrnoException).code !== 'ERR_SSL_TLSV1_ALERT_NO_APPLICATION_PROTOCOL') return err;
  return new Error('the server does not speak HTTP/2 (it refused TLS ALPN "h2"; is it an API server older than this client?)', { cause: err });
}
