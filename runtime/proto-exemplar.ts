/**
 * proto-exemplar.ts: a message of a runtime.proto type with every field set (one element per
 * repeated field, one entry per map, nested messages filled in turn; enums left at their default).
 * Encoding and decoding one compiles protobufjs's generated codecs of every type it holds, which
 * protobufjs otherwise builds on first use, in the middle of the first pods' calls.
 */

/** FieldDescriptor is the part of a protobuf FieldDescriptorProto (as proto-loader gives it) read here. */
interface FieldDescriptor {
  name: string;
  type: string;
  typeName?: string;
  label?: string;
}

/** MessageDescriptor is the part of a protobuf DescriptorProto read here. */
export interface MessageDescriptor {
  name?: string;
  field?: FieldDescriptor[];
  nestedType?: MessageDescriptor[];
  options?: { mapEntry?: boolean } | null;
}

/** TypeLookup finds a top-level message type of the package by its name. */
export type TypeLookup = (name: string) => MessageDescriptor | undefined;

/** MAX_DEPTH stops a recursive type (none in runtime.proto today) from filling forever. */
const MAX_DEPTH = 8;

/** exemplar builds a message of the type `desc` with every field set. */
export function exemplar(desc: MessageDescriptor, lookup: TypeLookup, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (depth > MAX_DEPTH) return out;
  for (const f of desc.field ?? []) {
    const nested = desc.nestedType?.find((n) => n.name === f.typeName);
    if (nested?.options?.mapEntry) {
      const value = nested.field?.find((v) => v.name === 'value');
      const v = value && fieldValue(value, nested, lookup, depth);
      if (v !== undefined) out[f.name] = { k: v };
      continue;
    }
    const v = fieldValue(f, desc, lookup, depth);
    if (v !== undefined) out[f.name] = f.label === 'LABEL_REPEATED' ? [v] : v;
  }
  return out;
}

function fieldValue(f: FieldDescriptor, parent: MessageDescriptor, lookup: TypeLookup, depth: number): unknown {
  switch (f.type) {
    case 'TYPE_MESSAGE': {
      const t = parent.nestedType?.find((n) => n.name === f.typeName) ?? lookup(f.typeName ?? '');
      return t ? exemplar(t, lookup, depth + 1) : undefined;
    }
    case 'TYPE_ENUM':
      return undefined;
    case 'TYPE_STRING':
      return 'x';
    case 'TYPE_BYTES':
      return Buffer.from('x');
    case 'TYPE_BOOL':
      return true;
    default:
      return 1;
  }
}
