/**
 * The HPACK dynamic table (RFC 7541 §2.3.2, §4): newest entry at index 62,
 * entry size = name length + value length + 32, evicting the oldest to fit.
 */
export class DynamicTable {
  /** Entries oldest first; `inserted` counts every entry ever added. */
  private names: string[] = [];
  private values: string[] = [];
  private head = 0; // index of the oldest live entry in the arrays
  inserted = 0;
  size = 0;

  constructor(public maxSize = 4096) {}

  get length(): number {
    return this.names.length - this.head;
  }

  /** Name of the entry at HPACK index i (62 = newest), or undefined when there is none. */
  name(i: number): string | undefined {
    const k = this.names.length - 1 - (i - 62);
    return i < 62 || k < this.head ? undefined : this.names[k];
  }

  /** Value of the entry at HPACK index i; call name(i) first to know there is one. */
  value(i: number): string {
    return this.values[this.names.length - 1 - (i - 62)]!;
  }

  /** HPACK index of the entry with insertion number `id`, or 0 if it was evicted. */
  indexOfId(id: number): number {
    const age = this.inserted - 1 - id;
    return age < this.length ? 62 + age : 0;
  }

  add(name: string, value: string, onEvict?: (id: number, name: string, value: string) => void): void {
    const size = name.length + value.length + 32;
    // §4.4: an entry larger than the table empties it and is not added.
    this.evictTo(this.maxSize - size, onEvict);
    if (size > this.maxSize) return;
    this.inserted++;
    this.names.push(name);
    this.values.push(value);
    this.size += size;
  }

  setMaxSize(max: number, onEvict?: (id: number, name: string, value: string) => void): void {
    this.maxSize = max;
    this.evictTo(max, onEvict);
  }

  private evictTo(limit: number, onEvict?: (id: number, name: string, value: string) => void): void {
    while (this.size > Math.max(0, limit) && this.head < this.names.length) {
      const n = this.names[this.head]!, v = this.values[this.head]!;
      this.size -= n.length + v.length + 32;
      const id = this.inserted - this.length;
      this.head++;
      onEvict?.(id, n, v);
    }
    // Compact now and then so the arrays do not grow without bound.
    if (this.head > 64 && this.head * 2 > this.names.length) {
      this.names = this.names.slice(this.head);
      this.values = this.values.slice(this.head);
      this.head = 0;
    }
  }
}
