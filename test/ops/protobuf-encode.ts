// A small protobuf writer for tests: google.protobuf.Struct / Value / ListValue from JS values,
// and envoy.config.core.v3.Metadata (field numbers: docs/host-simulator.md).

export function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

export function tag(field: number, wire: number): number[] {
  return varint((field << 3) | wire);
}

export function lenField(field: number, payload: number[] | Uint8Array): number[] {
  return [...tag(field, 2), ...varint(payload.length), ...payload];
}

const utf8 = (s: string) => [...Buffer.from(s, "utf8")];

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function encodeValue(v: Json): number[] {
  if (v === null) return [...tag(1, 0), 0];
  if (typeof v === "number") {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    return [...tag(2, 1), ...b];
  }
  if (typeof v === "string") return lenField(3, utf8(v));
  if (typeof v === "boolean") return [...tag(4, 0), v ? 1 : 0];
  if (Array.isArray(v)) return lenField(6, v.flatMap((x) => lenField(1, encodeValue(x))));
  return lenField(5, encodeStruct(v));
}

export function encodeStruct(obj: { [k: string]: Json }): number[] {
  return Object.entries(obj).flatMap(([k, v]) => lenField(1, [...lenField(1, utf8(k)), ...lenField(2, encodeValue(v))]));
}

/** encodeMetadata: filter_metadata entries (field 1), plus optional raw extra bytes (e.g. typed_filter_metadata). */
export function encodeMetadata(ns: { [name: string]: { [k: string]: Json } }, extra: number[] = []): Uint8Array {
  const body = Object.entries(ns).flatMap(([name, s]) => lenField(1, [...lenField(1, utf8(name)), ...lenField(2, encodeStruct(s))]));
  return Uint8Array.from([...body, ...extra]);
}
