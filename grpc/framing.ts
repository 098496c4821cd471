/**
 * framing.ts: gRPC's length-prefixed messages in an HTTP/2 stream's DATA: a compressed flag byte
 * (always 0 here: we neither send nor accept compression), the length as 4 bytes big-endian, then
 * the protobuf message. HTTP/2 may split and join messages across DATA chunks at will.
 */
import { GrpcCode, GrpcError } from './status.js';

/** PREFIX_BYTES is the size of the prefix before every message. */
export const PREFIX_BYTES = 5;

/** frameMessage is `message` with its prefix, ready to write to the stream. */
export function frameMessage(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(PREFIX_BYTES + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, PREFIX_BYTES);
  return frame;
}

/**
 * MessageReader cuts a stream's DATA chunks into messages. A message over `maxBytes` fails with
 * RESOURCE_EXHAUSTED as soon as its prefix arrives, before it is buffered; a compressed one with
 * UNIMPLEMENTED.
 */
export class MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes the next message (or, before its prefix, the prefix) needs: chunks are joined only once they are all there. */
  private needed = PREFIX_BYTES;

  constructor(private readonly maxBytes = Infinity) {}

  /** push takes the next chunk and returns the messages it completes (views into the chunks). */
  push(chunk: Buffer): Buffer[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.buffered < this.needed) return [];
    const buf = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks, this.buffered);
    const out: Buffer[] = [];
    let pos = 0;
    this.needed = PREFIX_BYTES;
    while (buf.length - pos >= PREFIX_BYTES) {
      if (buf[pos] !== 0) throw new GrpcError(GrpcCode.UNIMPLEMENTED, 'compressed gRPC messages are not supported');
      const len = buf.readUInt32BE(pos + 1);
      if (len > this.maxBytes) throw new GrpcError(GrpcCode.RESOURCE_EXHAUSTED, `message of ${len} bytes is larger than the limit of ${this.maxBytes}`);
      if (buf.length - pos < PREFIX_BYTES + len) {
        this.needed = PREFIX_BYTES + len;
        break;
      }
      out.push(buf.subarray(pos + PREFIX_BYTES, pos + PREFIX_BYTES + len));
      pos += PREFIX_BYTES + len;
    }
    const rest = buf.subarray(pos);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  /** partial says whether a message has begun but not ended. */
  get partial(): boolean {
    return this.buffered > 0;
  }
}
