/** Splitting received bytes into reads, for properties that must hold whatever the split. */

/** The bytes cut at each of `cuts` (taken modulo their length + 1), as reads of them would come. */
export function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const pieces: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) pieces.push(bytes.subarray(prev, p)), (prev = p);
  pieces.push(bytes.subarray(prev));
  return pieces;
}
