/**
 * HPACK header block encoding (RFC 7541 §6), with the strategy users expect:
 * exact matches are indexed, repeating fields are added to the dynamic table,
 * sensitive fields are never indexed (§7.1.3), and strings use Huffman when shorter.
 */
import { DynamicTable } from "./dynamic-table.ts";
import { huffmanEncode, huffmanLength } from "./huffman.ts";
import { ByteWriter, encodeInt } from "./integer.ts";
import { STATIC_NAME_INDEX, STATIC_PAIR_INDEX } from "./static-table.ts";

/** Never indexed: their values are secrets or too varied to be worth a table entry. */
const SENSITIVE = new Set(["authorization", "proxy-authorization", "cookie", "set-cookie"]);
/**
 * Not worth a dynamic table entry: content-length nearly never repeats exactly. Fields
 * that vary more (:path, date, etag) still repeat often enough to be worth indexing, as
 * the hpack-test-case stories show.
 */
const NOT_INDEXED = new Set(["content-length"]);

export class HpackEncoder {
  readonly table: DynamicTable;
  /**
   * name -> value -> insertion id, and name -> insertion id of the newest entry with
   * that name. Two levels, not one "name\0value" key: a joined key is a new string to
   * flatten and hash for every field, which was most of the encoder's time.
   */
  private pairs = new Map<string, Map<string, number>>();
  private names = new Map<string, number>();
  private pendingSizeUpdate: number | null = null;
  private readonly out = new ByteWriter();

  constructor(maxTableSize = 4096) {
    this.table = new DynamicTable(maxTableSize);
  }

  /** The peer's SETTINGS_HEADER_TABLE_SIZE changed: use at most that, and say so in the next block (§4.2). */
  setMaxTableSize(size: number): void {
    const use = Math.min(size, 4096);
    if (use === this.table.maxSize && this.pendingSizeUpdate === null) return;
    this.table.setMaxSize(use, this.evicted);
    this.pendingSizeUpdate = use;
  }

  private readonly evicted = (id: number, name: string, value: string) => {
    const values = this.pairs.get(name);
    if (values !== undefined && values.get(value) === id) {
      values.delete(value);
      if (values.size === 0) this.pairs.delete(name);
    }
    if (this.names.get(name) === id) this.names.delete(name);
  };

  /** Encodes fields ([name, value] with lowercase names) into one header block. */
  encode(fields: Iterable<readonly [string, string]>): Uint8Array {
    const out = this.out;
    out.length = 0;
    if (this.pendingSizeUpdate !== null) {
      encodeInt(out, this.pendingSizeUpdate, 5, 0x20);
      this.pendingSizeUpdate = null;
    }
    for (const [name, value] of fields) this.field(out, name, value);
    return out.take();
  }

  private field(out: ByteWriter, name: string, value: string): void {
    const sensitive = SENSITIVE.has(name);
    if (!sensitive) {
      const s = STATIC_PAIR_INDEX.get(name)?.get(value);
      if (s) return encodeInt(out, s, 7, 0x80);
      const id = this.pairs.get(name)?.get(value);
      if (id !== undefined) {
        const i = this.table.indexOfId(id);
        if (i) return encodeInt(out, i, 7, 0x80);
      }
    }
    let nameIndex = STATIC_NAME_INDEX.get(name) ?? 0;
    if (!nameIndex) {
      const id = this.names.get(name);
      if (id !== undefined) nameIndex = this.table.indexOfId(id);
    }
    const size = name.length + value.length + 32;
    if (sensitive) {
      encodeInt(out, nameIndex, 4, 0x10); // §6.2.3 never indexed
    } else if (NOT_INDEXED.has(name) || size > this.table.maxSize / 2) {
      encodeInt(out, nameIndex, 4, 0x00); // §6.2.2 without indexing
    } else {
      encodeInt(out, nameIndex, 6, 0x40); // §6.2.1 with incremental indexing
      this.table.add(name, value, this.evicted);
      if (size <= this.table.maxSize) {
        const id = this.table.inserted - 1;
        let values = this.pairs.get(name);
        if (values === undefined) this.pairs.set(name, values = new Map());
        values.set(value, id);
        this.names.set(name, id);
      }
    }
    if (!nameIndex) this.string(out, name);
    this.string(out, value);
  }

  private string(out: ByteWriter, s: string): void {
    const h = huffmanLength(s);
    if (h < s.length) {
      encodeInt(out, h, 7, 0x80);
      huffmanEncode(out, s);
    } else {
      encodeInt(out, s.length, 7, 0);
      for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i));
    }
  }
}
