// The protobuf wire-format field reader shared by the tree decoder (protobuf.ts) and the in-place
// lookup (protobuf-lookup.ts), so both accept and reject exactly the same bytes. It never traps:
// every read is bounds-checked against `end`, and a malformed field gives BAD instead.

export const WIRE_VARINT: u32 = 0;
export const WIRE_I64: u32 = 1;
export const WIRE_LEN: u32 = 2;
export const WIRE_I32: u32 = 5;

/** A position no reader can reach: the "malformed" result of readVarint and nextField. */
export const BAD: usize = <usize>-1;

// The field nextField() read last. The module is single-threaded, but the decoders recurse: a
// caller copies what it needs into locals before reading further.
export let fField: u64 = 0;
export let fWire: u32 = 0;
/** The last varint read: a VARINT field's value, or a tag or length while reading one. */
export let fVal: u64 = 0;
/** A LEN field's payload: [fStart, fStart + fLen). */
export let fStart: usize = 0;
export let fLen: usize = 0;

/** readVarint reads a varint at `pos` into fVal; returns the position after it, or BAD (truncated or over 64 bits). */
export function readVarint(pos: usize, end: usize): usize {
  let result: u64 = 0;
  let shift: u64 = 0;
  while (true) {
    if (pos >= end || shift > 63) return BAD;
    const b = <u64>load<u8>(pos);
    pos++;
    result |= (b & 0x7f) << shift;
    if ((b & 0x80) == 0) { fVal = result; return pos; }
    shift += 7;
  }
  return BAD;
}

/**
 * nextField reads one field (tag and payload) at `pos`; returns the position after it, or BAD
 * (truncation, a LEN payload past `end`, groups and reserved wire types). A known field is
 * consumed exactly as an unknown one is skipped, so one reader serves both. A VARINT field's
 * value is left in fVal, an I64/I32 payload ends at the returned position, and a LEN payload is
 * left in fStart/fLen.
 */
export function nextField(pos: usize, end: usize): usize {
  pos = readVarint(pos, end);
  if (pos == BAD) return BAD;
  const tag = fVal;
  fField = tag >> 3;
  const wire = <u32>(tag & 7);
  fWire = wire;
  if (wire == WIRE_VARINT) return readVarint(pos, end);
  if (wire == WIRE_I64) return end - pos < 8 ? BAD : pos + 8;
  if (wire == WIRE_LEN) {
    pos = readVarint(pos, end);
    if (pos == BAD) return BAD;
    if (fVal > <u64>(end - pos)) return BAD;
    fStart = pos;
    fLen = <usize>fVal;
    return pos + fLen;
  }
  if (wire == WIRE_I32) return end - pos < 4 ? BAD : pos + 4;
  return BAD;
}
