/**
 * RFC 6455 §5.3 masking: payload[i] ^= key[i % 4]. Done four bytes at a time
 * through a Uint32Array where the region is aligned, a byte at a time at the edges.
 */
export function mask(b: Uint8Array, start: number, end: number, key: Uint8Array, keyOffset = 0): void {
  let i = start;
  // Bytes up to a 4-byte aligned address.
  while (i < end && ((b.byteOffset + i) & 3) !== 0) {
    b[i] ^= key[(i - start + keyOffset) & 3]!;
    i++;
  }
  const words = (end - i) >>> 2;
  if (words > 0) {
    const k = (i - start + keyOffset) & 3;
    // The key rotated to line up with the aligned position, read as a little-endian word.
    const kw = (key[k]! | (key[(k + 1) & 3]! << 8) | (key[(k + 2) & 3]! << 16) | (key[(k + 3) & 3]! << 24)) >>> 0;
    const w = new Uint32Array(b.buffer, b.byteOffset + i, words);
    if (LITTLE_ENDIAN) for (let j = 0; j < words; j++) w[j] ^= kw;
    else for (let j = 0; j < words * 4; j++) b[i + j] ^= key[(k + j) & 3]!;
    i += words * 4;
  }
  for (; i < end; i++) b[i] ^= key[(i - start + keyOffset) & 3]!;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
