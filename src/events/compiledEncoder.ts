// A protobuf encoder compiled once from a message descriptor: per field a closure that writes it,
// into one reused buffer. It takes the same plain init objects as `create()` and writes the same
// bytes as `toBinary(create(...))` (test/unit/compiledEncoder.unit.spec.ts checks both), at a
// fraction of the reflective encoder's cost per event, which was the largest single item of a
// create on the request thread.
//
// It knows the kinds this schema uses (strings, bool, uint32, uint64, double, messages, repeated
// strings and messages, all proto3 implicit presence) and refuses any other at compile time, so a schema change
// it cannot encode fails at start and in the tests, never on the wire.
import { type DescField, type DescMessage, ScalarType } from '@bufbuild/protobuf';

export type Encode = (init: object) => Uint8Array;

/**
 * A nested message encoded earlier, its bytes held as a one-byte string: written where the
 * message's init object would go, as they are. A string, not a buffer, because one is kept per
 * cached ticket (record.ts): a string lives on the V8 heap, where a buffer would add an
 * ArrayBuffer and memory outside the heap per entry.
 */
export class EncodedMessage {
  constructor(readonly latin1: string) {}
}

type WriteField = (value: unknown) => void;
type WriteMessage = (message: Record<string, unknown>) => void;

let buf = Buffer.allocUnsafe(16 * 1024);
let pos = 0;

function ensure(bytes: number): void {
  if (pos + bytes <= buf.length) return;
  const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, pos + bytes));
  buf.copy(bigger, 0, 0, pos);
  buf = bigger;
}

function varint(value: number): void {
  ensure(10);
  while (value > 0x7f) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value = Math.floor(value / 128);
  }
  buf[pos++] = value;
}

function varint64(value: bigint | number): void {
  if (typeof value === 'number') {
    varint(value);
    return;
  }
  ensure(10);
  let v = BigInt.asUintN(64, value);
  while (v > 0x7fn) {
    buf[pos++] = Number(v & 0x7fn) | 0x80;
    v >>= 7n;
  }
  buf[pos++] = Number(v);
}

function tagBytes(number: number, wireType: number): number[] {
  const bytes: number[] = [];
  let key = number * 8 + wireType;
  while (key > 0x7f) {
    bytes.push((key & 0x7f) | 0x80);
    key = Math.floor(key / 128);
  }
  bytes.push(key);
  return bytes;
}

function tagWriter(number: number, wireType: number): () => void {
  const bytes = tagBytes(number, wireType);
  if (bytes.length === 1) {
    const [b] = bytes as [number];
    return () => {
      ensure(1);
      buf[pos++] = b;
    };
  }
  return () => {
    ensure(bytes.length);
    for (const b of bytes) buf[pos++] = b;
  };
}

function writeString(value: string): void {
  const chars = value.length;
  ensure(5 + chars * 3);
  // Reserve one length byte (a short string's length fits), move the bytes if it did not.
  const at = pos++;
  // Most event strings are short ASCII (ids, timestamps, names): copied here, they skip a call
  // into C++ per string; anything else goes through Buffer's UTF-8 writer.
  if (chars < 0x80) {
    let i = 0;
    for (; i < chars; i++) {
      const code = value.charCodeAt(i);
      if (code >= 0x80) break;
      buf[pos + i] = code;
    }
    if (i === chars) {
      pos += chars;
      buf[at] = chars;
      return;
    }
  }
  const length = buf.write(value, pos);
  pos += length;
  settleLength(at, length);
}

function writeEncoded(latin1: string): void {
  varint(latin1.length);
  ensure(latin1.length);
  pos += buf.write(latin1, pos, 'latin1');
}

/** Writes `length` as the varint at `at`, shifting the `length` bytes after it when it needs more than one byte. */
function settleLength(at: number, length: number): void {
  if (length < 0x80) {
    buf[at] = length;
    return;
  }
  let extra = 0;
  for (let v = length; v > 0x7f; v = Math.floor(v / 128)) extra++;
  ensure(extra);
  buf.copy(buf, at + 1 + extra, at + 1, pos);
  pos += extra;
  let v = length;
  let i = at;
  while (v > 0x7f) {
    buf[i++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[i] = v;
}

function scalarWriter(field: DescField & { scalar: ScalarType }, number: number): WriteField {
  switch (field.scalar) {
    case ScalarType.STRING: {
      const tag = tagWriter(number, 2);
      return (v) => {
        if (v === '' || v == null) return;
        tag();
        writeString(v as string);
      };
    }
    case ScalarType.BOOL: {
      const tag = tagWriter(number, 0);
      return (v) => {
        if (!v) return;
        tag();
        varint(1);
      };
    }
    case ScalarType.UINT32: {
      const tag = tagWriter(number, 0);
      return (v) => {
        if (!v) return;
        tag();
        varint((v as number) >>> 0);
      };
    }
    case ScalarType.UINT64: {
      const tag = tagWriter(number, 0);
      return (v) => {
        if (v == null || v === 0 || v === 0n) return;
        tag();
        varint64(v as bigint | number);
      };
    }
    case ScalarType.DOUBLE: {
      const tag = tagWriter(number, 1);
      return (v) => {
        // -0 is not the default and is written, as protobuf-es does.
        if (v == null || Object.is(v, 0)) return;
        tag();
        ensure(8);
        buf.writeDoubleLE(v as number, pos);
        pos += 8;
      };
    }
    default:
      throw new Error(`compiledEncoder: scalar type ${ScalarType[field.scalar]} of ${field.parent.typeName}.${field.name} is not supported`);
  }
}

function fieldWriter(field: DescField, messages: Map<DescMessage, WriteMessage>): WriteField {
  if (field.presence !== 2 /* IMPLICIT */ && field.fieldKind !== 'message' && field.fieldKind !== 'list') {
    throw new Error(`compiledEncoder: ${field.parent.typeName}.${field.name} has explicit presence, which is not supported`);
  }
  switch (field.fieldKind) {
    case 'scalar':
      return scalarWriter(field, field.number);
    case 'message': {
      const tag = tagWriter(field.number, 2);
      const nested = field.message;
      return (v) => {
        if (v == null) return;
        tag();
        if (v instanceof EncodedMessage) return writeEncoded(v.latin1);
        ensure(1);
        const at = pos++;
        messages.get(nested)!(v as Record<string, unknown>);
        settleLength(at, pos - at - 1);
      };
    }
    case 'list': {
      if (field.listKind === 'message') {
        const tag = tagWriter(field.number, 2);
        const nested = field.message;
        return (v) => {
          if (v == null) return;
          for (const item of v as readonly Record<string, unknown>[]) {
            tag();
            ensure(1);
            const at = pos++;
            messages.get(nested)!(item);
            settleLength(at, pos - at - 1);
          }
        };
      }
      if (field.listKind !== 'scalar' || field.scalar !== ScalarType.STRING) break;
      const tag = tagWriter(field.number, 2);
      return (v) => {
        if (v == null) return;
        for (const item of v as readonly string[]) {
          tag();
          writeString(item);
        }
      };
    }
    default:
      break;
  }
  throw new Error(`compiledEncoder: field ${field.parent.typeName}.${field.name} (${field.fieldKind}) is not supported`);
}

function compileMessage(desc: DescMessage, messages: Map<DescMessage, WriteMessage>): void {
  if (messages.has(desc)) return;
  const writers: Array<{ name: string; write: WriteField }> = [];
  // Registered before its fields compile, so a message that contains itself resolves.
  messages.set(desc, (message) => {
    for (const { name, write } of writers) write(message[name]);
  });
  for (const field of [...desc.fields].sort((a, b) => a.number - b.number)) {
    if (field.fieldKind === 'message' || (field.fieldKind === 'list' && field.listKind === 'message')) compileMessage(field.message, messages);
    writers.push({ name: field.localName, write: fieldWriter(field, messages) });
  }
}

function compileRoot(desc: DescMessage): WriteMessage {
  const messages = new Map<DescMessage, WriteMessage>();
  compileMessage(desc, messages);
  return messages.get(desc)!;
}

export function compileEncoder(desc: DescMessage): Encode {
  const root = compileRoot(desc);
  return (init) => {
    pos = 0;
    root(init as Record<string, unknown>);
    return new Uint8Array(buf.subarray(0, pos));
  };
}

/** An encoder whose bytes go inside another message later, as an EncodedMessage. */
export function compileNestedEncoder(desc: DescMessage): (init: object) => EncodedMessage {
  const root = compileRoot(desc);
  return (init) => {
    pos = 0;
    root(init as Record<string, unknown>);
    return new EncodedMessage(buf.toString('latin1', 0, pos));
  };
}
