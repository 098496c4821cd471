/**
 * The protobuf wire form of the few etcd KV messages the storage layer sends and reads: a Range of
 * one key or a prefix, a Txn that compares one key's create or mod revision and then puts or
 * deletes that key, and their responses; and a Watch of a prefix with its events. Written and read by hand, straight into and out of one
 * gRPC frame: the generic path (protobufjs objects, int64 as Long turned into strings) cost more
 * CPU than etcd's own work for a pod-sized write.
 */

/** KeyValue is one key of a Range answer; key and value are views into the answer's buffer. */
export interface KeyValue {
  key: Buffer;
  value: Buffer;
  createRevision: string;
  modRevision: string;
}

/** RangeResult is a Range answer: the store revision it was read at and the keys found. */
export interface RangeResult {
  revision: string;
  kvs: KeyValue[];
}

/** TxnResult is a Txn answer: whether the compare held, and the store revision after the Txn. */
export interface TxnResult {
  revision: string;
  succeeded: boolean;
}

/** TxnCompare names the revision a Txn requires of its key: create 0 (absent), or a mod revision. */
export interface TxnCompare {
  target: 'create' | 'mod';
  revision: number;
}

/** TxnOp is what a Txn does when its compare holds: put a value, or delete the key. */
export type TxnOp = { put: string } | { delete: true };

const LEN = 2;
const VARINT = 0;

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

function byteLength(b: string | Buffer): number {
  return typeof b === 'string' ? Buffer.byteLength(b) : b.length;
}

/** lenFieldSize is the size of a length-delimited field of `len` bytes (tags here are one byte). */
function lenFieldSize(len: number): number {
  return 1 + varintSize(len) + len;
}

class Writer {
  pos = 5;
  readonly buf: Buffer;

  /** The buffer starts with gRPC's 5-byte message prefix: not compressed, then the length. */
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(5 + size);
    this.buf[0] = 0;
    this.buf.writeUInt32BE(size, 1);
  }

  varint(n: number): void {
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }

  tag(field: number, wire: number): void {
    this.buf[this.pos++] = (field << 3) | wire;
  }

  header(field: number, len: number): void {
    this.tag(field, LEN);
    this.varint(len);
  }

  bytes(field: number, b: string | Buffer, len: number): void {
    this.header(field, len);
    if (typeof b === 'string') this.pos += this.buf.write(b, this.pos, 'utf8');
    else this.pos += b.copy(this.buf, this.pos);
  }
}

/** encodeRange is the gRPC frame of a RangeRequest for `key`, up to `rangeEnd` when given, at `revision` when given. */
export function encodeRange(key: string | Buffer, rangeEnd?: Buffer, revision?: number): Buffer {
  const kl = byteLength(key);
  let size = lenFieldSize(kl);
  if (rangeEnd) size += lenFieldSize(rangeEnd.length);
  if (revision) size += 1 + varintSize(revision);
  const w = new Writer(size);
  w.bytes(1, key, kl);
  if (rangeEnd) w.bytes(2, rangeEnd, rangeEnd.length);
  if (revision) {
    w.tag(4, VARINT);
    w.varint(revision);
  }
  return w.buf;
}

/** encodeTxn is the gRPC frame of a TxnRequest: if `key`'s create or mod revision equals the compare's, then `op` on `key`. */
export function encodeTxn(key: string, compare: TxnCompare, op: TxnOp): Buffer {
  const kl = Buffer.byteLength(key);
  // Compare { result: EQUAL (0, the default, not written), target, key, create_revision | mod_revision }
  const cmpSize = 2 + lenFieldSize(kl) + 1 + varintSize(compare.revision);
  const isPut = 'put' in op;
  const vl = isPut ? Buffer.byteLength(op.put) : 0;
  // PutRequest { key, value } or DeleteRangeRequest { key }
  const innerSize = lenFieldSize(kl) + (isPut ? lenFieldSize(vl) : 0);
  const opSize = lenFieldSize(innerSize);
  const w = new Writer(lenFieldSize(cmpSize) + lenFieldSize(opSize));
  w.header(1, cmpSize);
  w.tag(2, VARINT);
  w.varint(compare.target === 'create' ? 1 : 2);
  w.bytes(3, key, kl);
  w.tag(compare.target === 'create' ? 5 : 6, VARINT);
  w.varint(compare.revision);
  w.header(2, opSize);
  w.header(isPut ? 2 : 3, innerSize);
  w.bytes(1, key, kl);
  if (isPut) w.bytes(2, op.put, vl);
  return w.buf;
}

/** prefixRangeEnd is the end of the range of every key that starts with `prefix` (etcd's GetPrefixRangeEnd). */
export function prefixRangeEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]!++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

class Reader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
  ) {}

  get more(): boolean {
    return this.pos < this.end;
  }

  varint(): number {
    let n = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.end) throw new Error('etcd answer: truncated varint');
      const b = this.buf[this.pos++]!;
      n += (b & 0x7f) * mul;
      if (b < 0x80) return n;
      mul *= 128;
    }
  }

  /** len reads a length prefix and returns where that field ends. */
  len(): number {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.end) throw new Error('etcd answer: a field runs past its message');
    return end;
  }

  skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === LEN) this.pos = this.len();
    else if (wire === 1) this.pos += 8;
    else if (wire === 5) this.pos += 4;
    else throw new Error(`etcd answer: unexpected protobuf wire type ${wire}`);
  }
}

/** readHeaderRevision reads ResponseHeader.revision from the header field at r.pos. */
function readHeaderRevision(r: Reader): string {
  const end = r.len();
  let revision = '0';
  while (r.pos < end) {
    const tag = r.varint();
    if (tag === ((3 << 3) | VARINT)) revision = String(r.varint());
    else r.skip(tag & 7);
  }
  return revision;
}

function readKeyValue(r: Reader): KeyValue {
  const end = r.len();
  const kv: KeyValue = { key: EMPTY, value: EMPTY, createRevision: '0', modRevision: '0' };
  while (r.pos < end) {
    const tag = r.varint();
    const field = tag >>> 3;
    if (field === 1 && (tag & 7) === LEN) {
      const e = r.len();
      kv.key = r.buf.subarray(r.pos, e);
      r.pos = e;
    } else if (field === 5 && (tag & 7) === LEN) {
      const e = r.len();
      kv.value = r.buf.subarray(r.pos, e);
      r.pos = e;
    } else if (field === 2 && (tag & 7) === VARINT) kv.createRevision = String(r.varint());
    else if (field === 3 && (tag & 7) === VARINT) kv.modRevision = String(r.varint());
    else r.skip(tag & 7);
  }
  r.pos = end;
  return kv;
}

const EMPTY = Buffer.alloc(0);

/** decodeRange reads a RangeResponse message (without the gRPC prefix). */
export function decodeRange(msg: Buffer): RangeResult {
  const r = new Reader(msg, 0, msg.length);
  const out: RangeResult = { revision: '0', kvs: [] };
  while (r.more) {
    const tag = r.varint();
    if (tag === ((1 << 3) | LEN)) out.revision = readHeaderRevision(r);
    else if (tag === ((2 << 3) | LEN)) out.kvs.push(readKeyValue(r));
    else r.skip(tag & 7);
  }
  return out;
}

/** decodeTxn reads a TxnResponse message (without the gRPC prefix); the per-op responses are not needed. */
export function decodeTxn(msg: Buffer): TxnResult {
  const r = new Reader(msg, 0, msg.length);
  const out: TxnResult = { revision: '0', succeeded: false };
  while (r.more) {
    const tag = r.varint();
    if (tag === ((1 << 3) | LEN)) out.revision = readHeaderRevision(r);
    else if (tag === ((2 << 3) | VARINT)) out.succeeded = r.varint() !== 0;
    else r.skip(tag & 7);
  }
  return out;
}

/** WatchedEvent is one event of a WatchResponse: a put (kv is the new value) or a delete (kv holds the key and the delete's revision). */
export interface WatchedEvent {
  type: 'put' | 'delete';
  kv: KeyValue;
  prevKv?: KeyValue;
}

/** WatchResult is a WatchResponse: whether it confirms the watch or ends it (compacted past its start), and its events. */
export interface WatchResult {
  created: boolean;
  canceled: boolean;
  /** Non-zero when the watch's start revision was compacted away: the oldest revision etcd still has. */
  compactRevision: number;
  cancelReason: string;
  events: WatchedEvent[];
}

/** encodeWatchCreate is the gRPC frame of a WatchRequest creating a watch of [key, rangeEnd) from `startRevision`, with previous values. */
export function encodeWatchCreate(key: string, rangeEnd: Buffer, startRevision: number): Buffer {
  const kl = Buffer.byteLength(key);
  // WatchCreateRequest { key, range_end, start_revision, prev_kv: true }
  const inner = lenFieldSize(kl) + lenFieldSize(rangeEnd.length) + 1 + varintSize(startRevision) + 2;
  const w = new Writer(lenFieldSize(inner));
  w.header(1, inner);
  w.bytes(1, key, kl);
  w.bytes(2, rangeEnd, rangeEnd.length);
  w.tag(3, VARINT);
  w.varint(startRevision);
  w.tag(6, VARINT);
  w.varint(1);
  return w.buf;
}

function readEvent(r: Reader): WatchedEvent {
  const end = r.len();
  const ev: WatchedEvent = { type: 'put', kv: { key: EMPTY, value: EMPTY, createRevision: '0', modRevision: '0' } };
  while (r.pos < end) {
    const tag = r.varint();
    if (tag === ((1 << 3) | VARINT)) ev.type = r.varint() === 1 ? 'delete' : 'put';
    else if (tag === ((2 << 3) | LEN)) ev.kv = readKeyValue(r);
    else if (tag === ((3 << 3) | LEN)) ev.prevKv = readKeyValue(r);
    else r.skip(tag & 7);
  }
  r.pos = end;
  return ev;
}

/** decodeWatch reads a WatchResponse message (without the gRPC prefix). */
export function decodeWatch(msg: Buffer): WatchResult {
  const r = new Reader(msg, 0, msg.length);
  const out: WatchResult = { created: false, canceled: false, compactRevision: 0, cancelReason: '', events: [] };
  while (r.more) {
    const tag = r.varint();
    if (tag === ((3 << 3) | VARINT)) out.created = r.varint() !== 0;
    else if (tag === ((4 << 3) | VARINT)) out.canceled = r.varint() !== 0;
    else if (tag === ((5 << 3) | VARINT)) out.compactRevision = r.varint();
    else if (tag === ((6 << 3) | LEN)) {
      const e = r.len();
      out.cancelReason = r.buf.toString('utf8', r.pos, e);
      r.pos = e;
    } else if (tag === ((11 << 3) | LEN)) out.events.push(readEvent(r));
    else r.skip(tag & 7);
  }
  return out;
}
