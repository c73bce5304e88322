/**
 * RFC 6455 §5.3 masking: payload[i] ^= key[i % 4]. Done four bytes at a time
 * through a Uint32Array where the region is aligned, a byte at a time at the edges.
 */
export function mask(b: Uint8Array, start: number, end: number, key: Uint8Array, keyOffset = 0): void {
  maskWith(b, start, end, keyWord(key), keyOffset);
}

/** The masking key's four octets as one number, key[0] in the low byte (as a little-endian load reads them). */
export function keyWord(key: Uint8Array): number {
  return (key[0]! | (key[1]! << 8) | (key[2]! << 16) | (key[3]! << 24)) >>> 0;
}

/** mask() with the key as keyWord() gives it: a receiver keeps the key as a number, not an array. */
export function maskWith(b: Uint8Array, start: number, end: number, word: number, keyOffset = 0): void {
  let i = start;
  // Bytes up to a 4-byte aligned address.
  while (i < end && ((b.byteOffset + i) & 3) !== 0) {
    b[i] ^= word >>> (((i - start + keyOffset) & 3) << 3);
    i++;
  }
  const words = (end - i) >>> 2;
  if (words > 0) {
    // The key rotated to line up with the aligned position, read as a little-endian word.
    const shift = ((i - start + keyOffset) & 3) << 3;
    const kw = shift === 0 ? word : ((word >>> shift) | (word << (32 - shift))) >>> 0;
    if (LITTLE_ENDIAN) {
      const w = new Uint32Array(b.buffer, b.byteOffset + i, words);
      for (let j = 0; j < words; j++) w[j] ^= kw;
    } else for (let j = 0; j < words * 4; j++) b[i + j] ^= kw >>> ((j & 3) << 3);
    i += words * 4;
  }
  for (; i < end; i++) b[i] ^= word >>> (((i - start + keyOffset) & 3) << 3);
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
