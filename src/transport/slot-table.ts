/**
 * A table of connections that keeps nothing that has left it: each entry knows its slot,
 * a slot is cleared when its entry leaves and is reused by the next.
 *
 * Not a Set: as entries come and go, V8 replaces a Set's table, and the table it leaves
 * points at the new one. Under connection churn a replaced table that had reached the
 * old generation keeps every later table, and every connection in them, alive through
 * each young collection until a full one: on Node 24 that promoted 6 MB a scavenge under
 * 50 clients opening a connection per request, and doubled the young generation
 * (bench/README.md).
 */

/** Slots kept after the last entry has gone; past this an empty table starts over small. */
const KEPT_SLOTS = 1024;

export class SlotTable<T> implements Iterable<T> {
  private slots: (T | null)[] = [];
  /** Emptied slots, the last emptied on top. */
  private free: number[] = [];
  private count = 0;

  /**
   * @param slotOf where the entry says it is kept, -1 while it is not.
   * @param setSlot records that; only the table calls it. Two functions rather than a
   *   field name, so that one object can be kept in two tables.
   */
  constructor(private readonly slotOf: (entry: T) => number, private readonly setSlot: (entry: T, slot: number) => void) {}

  get size(): number {
    return this.count;
  }

  /** Keeps the entry (once) and says in which slot. */
  add(entry: T): number {
    const kept = this.slotOf(entry);
    if (kept >= 0) return kept;
    const slot = this.free.length > 0 ? this.free.pop()! : this.slots.push(null) - 1;
    this.slots[slot] = entry;
    this.setSlot(entry, slot);
    this.count++;
    return slot;
  }

  delete(entry: T): boolean {
    const slot = this.slotOf(entry);
    if (slot < 0 || this.slots[slot] !== entry) return false;
    this.slots[slot] = null;
    this.setSlot(entry, -1);
    this.count--;
    if (this.count === 0 && this.slots.length > KEPT_SLOTS) {
      // A burst is over: give its table back.
      this.slots = [];
      this.free = [];
    } else this.free.push(slot);
    return true;
  }

  /** How many slots there are, kept or free: every slot an entry holds is below this. */
  get extent(): number {
    return this.slots.length;
  }

  /** Each entry kept; one removed meanwhile is not reached, one added meanwhile may be. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.slots.length; i++) {
      const c = this.slots[i];
      if (c !== null && c !== undefined) yield c;
    }
  }
}
