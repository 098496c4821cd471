/**
 * EtcdWatch: a watch of one etcd key prefix as a gRPC stream on EtcdKv's HTTP/2 session, decoded
 * by etcd-wire.ts. It replaces etcd3's watcher on the path of every write (grpc-js's call stack
 * and protobufjs cost about a fifth of the API server's CPU per pod on a fresh server). A broken
 * stream is opened again from the revision after the last one delivered, so a reader sees every
 * event once and in order across etcd restarts; only a compacted start or etcd cancelling the
 * watch ends it, through onEnd.
 */
import type { ClientHttp2Stream, IncomingHttpHeaders } from 'node:http2';
import { MessageReader } from '../grpc/framing.js';
import { GrpcCode, readStatus } from '../grpc/status.js';
import type { EtcdKv } from './etcd-kv.js';
import { decodeWatch, encodeWatchCreate, prefixRangeEnd, type WatchedEvent } from './etcd-wire.js';

const WATCH_PATH = '/etcdserverpb.Watch/Watch';
const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 2000;

/** EtcdWatchOptions say what to watch and where its events and its end go. */
export interface EtcdWatchOptions {
  prefix: string;
  /** The first revision to deliver. */
  startRevision: number;
  onEvents(events: WatchedEvent[]): void;
  /** The watch ended for good; the message says "compacted" when history past its start is gone. */
  onEnd(err: Error): void;
}

/** EtcdWatch is a running prefix watch; cancel() ends it without calling onEnd. */
export class EtcdWatch {
  private stream?: ClientHttp2Stream;
  private next: number;
  private stopped = false;
  private retryMs = FIRST_RETRY_MS;
  private retryTimer?: NodeJS.Timeout;
  private created?: (err?: Error) => void;

  private constructor(private readonly kv: EtcdKv, private readonly opts: EtcdWatchOptions) {
    this.next = opts.startRevision;
  }

  /** open starts a watch and resolves once etcd has confirmed it (or rejects when the first attempt fails). */
  static open(kv: EtcdKv, opts: EtcdWatchOptions): Promise<EtcdWatch> {
    const w = new EtcdWatch(kv, opts);
    return new Promise((resolve, reject) => {
      w.created = (err) => (err ? reject(err) : resolve(w));
      w.connect();
    });
  }

  /** cancel closes the stream; no event or end is delivered afterwards. */
  cancel(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.stream?.close();
    this.stream = undefined;
  }

  private connect(): void {
    let stream: ClientHttp2Stream;
    try {
      stream = this.kv.stream(WATCH_PATH);
    } catch (err) {
      return this.broken(err as Error);
    }
    this.stream = stream;
    const reader = new MessageReader();
    let failure: Error | undefined;
    stream.on('data', (chunk: Buffer) => {
      let messages: Buffer[];
      try {
        messages = reader.push(chunk);
      } catch {
        return stream.close(); // not a stream of plain messages: start over from the next revision
      }
      for (const msg of messages) {
        if (this.stream !== stream) break;
        this.receive(msg);
      }
    });
    const onStatus = (h: IncomingHttpHeaders): void => {
      const st = readStatus(h);
      if (st && st.code !== GrpcCode.OK) failure = new Error(`etcd watch: gRPC status ${st.code} ${st.details}`.trim());
    };
    stream.on('response', onStatus);
    stream.on('trailers', onStatus);
    stream.on('error', (err) => (failure ??= err));
    stream.on('close', () => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      this.broken(failure ?? new Error('etcd watch: the stream ended'));
    });
    stream.write(encodeWatchCreate(this.opts.prefix, prefixRangeEnd(this.opts.prefix), this.next));
  }

  private receive(msg: Buffer): void {
    let res;
    try {
      res = decodeWatch(msg);
    } catch {
      this.stream?.close(); // a garbled answer: start over from the next revision
      return;
    }
    if (res.created) {
      this.retryMs = FIRST_RETRY_MS;
      const created = this.created;
      this.created = undefined;
      created?.();
    }
    if (res.compactRevision > 0 || res.canceled) {
      const why = res.compactRevision > 0
        ? `etcdserver: mvcc: required revision has been compacted (oldest kept: ${res.compactRevision})`
        : `etcd cancelled the watch: ${res.cancelReason || 'no reason given'}`;
      return this.end(new Error(why));
    }
    if (res.events.length === 0 || this.stopped) return;
    this.next = Number(res.events[res.events.length - 1]!.kv.modRevision) + 1;
    this.opts.onEvents(res.events);
  }

  private end(err: Error): void {
    const stopped = this.stopped;
    this.cancel();
    if (this.created) {
      const created = this.created;
      this.created = undefined;
      return created(err);
    }
    if (!stopped) this.opts.onEnd(err);
  }

  /** broken retries a failed stream from the next revision, with a backoff; a first attempt that fails rejects open(). */
  private broken(err: Error): void {
    if (this.stopped) return;
    if (this.created) {
      this.stopped = true;
      const created = this.created;
      this.created = undefined;
      return created(err);
    }
    this.retryTimer = setTimeout(() => this.connect(), this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }
}
