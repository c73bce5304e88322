/** RFC 9112 §7.1: the chunk-size line of the chunked transfer coding. */
import { latin1 } from "../buffers/bytes.ts";
import { TCHAR } from "./chars.ts";
import { H1ParseError, err } from "./errors.ts";

/** Hex digits a chunk-size may have: 12 (48 bits) is far past any body we accept, and below 2^53. */
const MAX_SIZE_DIGITS = 12;

/**
 * The chunk size on the line b[start, cr) (cr: the index of its CR), its extensions
 * checked against the grammar and otherwise ignored:
 *
 *   chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   chunk-size = 1*HEXDIG
 */
export function chunkSize(b: Uint8Array, start: number, cr: number): number | H1ParseError {
  let i = start;
  let size = 0;
  for (; i < cr; i++) {
    const v = hexValue(b[i]!);
    if (v < 0) break;
    size = size * 16 + v;
  }
  if (i === start) return err(400, "INVALID_CHUNK_SIZE", "chunk-size is not a hex number");
  if (i - start > MAX_SIZE_DIGITS) return err(400, "CHUNK_SIZE_OVERFLOW", "chunk-size too large");
  if (i < cr && b[i] !== 0x3b && b[i] !== 0x20 && b[i] !== 0x09) {
    return err(400, "INVALID_CHUNK_SIZE", `invalid byte 0x${b[i]!.toString(16)} after chunk-size`);
  }
  return validateChunkExt(b, i, cr) ?? size;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ), RFC 9112 §7.1.1. */
function validateChunkExt(b: Uint8Array, i: number, end: number): H1ParseError | null {
  const bad = () => err(400, "INVALID_CHUNK_EXT", `malformed chunk extension "${latin1(b, i, end)}"`);
  const ws = () => {
    while (i < end && (b[i] === 0x20 || b[i] === 0x09)) i++;
  };
  while (true) {
    // BWS is only allowed before ";": trailing whitespace is not part of the grammar.
    const wsStart = i;
    ws();
    if (i === end) return i === wsStart ? null : err(400, "INVALID_CHUNK_EXT", "whitespace at the end of a chunk-size line");
    if (b[i] !== 0x3b) return bad();
    i++;
    ws();
    const nameStart = i;
    while (i < end && TCHAR[b[i]!]) i++;
    if (i === nameStart) return bad();
    ws();
    if (i < end && b[i] === 0x3d) {
      i++;
      ws();
      if (b[i] === 0x22) {
        i++;
        while (i < end && b[i] !== 0x22) {
          if (b[i] === 0x5c) i++;
          else if (b[i]! < 0x20 && b[i] !== 0x09) return bad();
          i++;
        }
        if (i >= end) return bad();
        i++;
      } else {
        const vStart = i;
        while (i < end && TCHAR[b[i]!]) i++;
        if (i === vStart) return bad();
      }
    }
  }
}
