/**
 * warm-codecs.ts: compiles the protobufjs codecs one end of the runtime contract uses, before its
 * first call. protobufjs generates each message type's encoder, decoder and object converters on
 * first use, tens of milliseconds on the first pods' calls otherwise; encoding and decoding an
 * exemplar of every request and response type (nested types included) does it up front.
 */
import { exemplar, type MessageDescriptor } from '../proto-exemplar.js';
import { messageType, runtimeRpcs } from './load.js';

/** CodecSide says which end warms up: a client encodes requests and decodes responses, a server the reverse. */
export type CodecSide = 'client' | 'server';

/** warmCodecs encodes and decodes an exemplar of every message `side` meets; nothing is sent anywhere. */
export function warmCodecs(side: CodecSide): void {
  const lookup = (name: string): MessageDescriptor | undefined => messageType(name)?.type as MessageDescriptor | undefined;
  for (const [, m] of runtimeRpcs()) {
    const request = exemplar(m.requestType.type as MessageDescriptor, lookup);
    const response = exemplar(m.responseType.type as MessageDescriptor, lookup);
    if (side === 'client') {
      m.requestSerialize(request);
      m.responseDeserialize(m.responseSerialize(response));
    } else {
      m.requestDeserialize(m.requestSerialize(request));
      m.responseSerialize(response);
    }
  }
}
