/**
 * Streams by id, for what a connection keeps while its streams come and go (RFC 9113 §5.1).
 *
 * Not a Map: as entries come and go, V8 replaces a Map's table and the table it leaves
 * points at the new one. A connection lives long and its streams do not, so a table
 * that had reached the old generation kept every later table, and every stream in them,
 * alive through each young collection until a full one: under `h2load -c10 -m10` on
 * Node 24 that promoted 4 MB a scavenge and made full collections four times as frequent
 * (bench/README.md). Here a slot holds a live entry or nothing.
 *
 * Open addressing on the id with linear probing. A client's stream ids are odd and rise,
 * so `id >>> 1` gives the streams open at one time neighbouring slots, in the order they
 * opened until the table wraps. A deletion moves the entries after it in their run back
 * (no marker is left), so lookups never walk past a deleted entry.
 */
export class StreamMap<T> {
  /** Each slot's id; 0 is empty (stream 0 is the connection and is never kept). */
  private ids: Int32Array;
  private vals: (T | undefined)[];
  private count = 0;

  /** `capacity`: slots to start with, a power of two; the table doubles when half full. */
  constructor(capacity = 16) {
    if (capacity < 2 || (capacity & (capacity - 1)) !== 0) throw new RangeError(`StreamMap capacity must be a power of two, not ${capacity}`);
    this.ids = new Int32Array(capacity);
    this.vals = new Array<T | undefined>(capacity).fill(undefined);
  }

  get size(): number {
    return this.count;
  }

  get(id: number): T | undefined {
    if (id <= 0) return undefined;
    const i = this.slotOf(id);
    return this.ids[i] === id ? this.vals[i] : undefined;
  }

  has(id: number): boolean {
    return id > 0 && this.ids[this.slotOf(id)] === id;
  }

  set(id: number, value: T): this {
    if (!Number.isInteger(id) || id <= 0 || id > 0x7fffffff) throw new RangeError(`not a stream id: ${id}`);
    let i = this.slotOf(id);
    if (this.ids[i] !== id) {
      if ((this.count + 1) * 2 > this.ids.length) {
        this.resize(this.ids.length * 2);
        i = this.slotOf(id);
      }
      this.ids[i] = id;
      this.count++;
    }
    this.vals[i] = value;
    return this;
  }

  delete(id: number): boolean {
    if (id <= 0) return false;
    let hole = this.slotOf(id);
    if (this.ids[hole] !== id) return false;
    const mask = this.ids.length - 1;
    // Every entry after the hole in its run moves back into it, unless it would then sit
    // before its own home slot (cyclically), where a lookup starting at home would miss it.
    for (let j = (hole + 1) & mask; this.ids[j] !== 0; j = (j + 1) & mask) {
      const home = (this.ids[j]! >>> 1) & mask;
      const movable = hole <= j ? home <= hole || home > j : home <= hole && home > j;
      if (!movable) continue;
      this.ids[hole] = this.ids[j]!;
      this.vals[hole] = this.vals[j];
      hole = j;
    }
    this.ids[hole] = 0;
    this.vals[hole] = undefined;
    this.count--;
    return true;
  }

  clear(): void {
    this.ids.fill(0);
    this.vals.fill(undefined);
    this.count = 0;
  }

  /** The ids held, as a new array: deleting while walking it is safe. */
  keys(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.ids.length; i++) if (this.ids[i] !== 0) out.push(this.ids[i]!);
    return out;
  }

  /** The values held, as a new array: deleting while walking it is safe. */
  values(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.ids.length; i++) if (this.ids[i] !== 0) out.push(this.vals[i]!);
    return out;
  }

  /** id's slot, or the empty slot where it would go. */
  private slotOf(id: number): number {
    const mask = this.ids.length - 1;
    let i = (id >>> 1) & mask;
    while (this.ids[i] !== id && this.ids[i] !== 0) i = (i + 1) & mask;
    return i;
  }

  private resize(capacity: number): void {
    const ids = this.ids, vals = this.vals;
    this.ids = new Int32Array(capacity);
    this.vals = new Array<T | undefined>(capacity).fill(undefined);
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] === 0) continue;
      const at = this.slotOf(ids[i]!);
      this.ids[at] = ids[i]!;
      this.vals[at] = vals[i];
    }
  }
}
