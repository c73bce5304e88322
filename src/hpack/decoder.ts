/** HPACK header block decoding (RFC 7541 §3, §6), sans-I/O. */
import { latin1 } from "../buffers/bytes.ts";
import { DynamicTable } from "./dynamic-table.ts";
import { HpackError } from "./errors.ts";
import { huffmanDecode } from "./huffman.ts";
import { type Cursor, decodeInt } from "./integer.ts";
import { STATIC_TABLE } from "./static-table.ts";

export interface DecodedBlock {
  /** Field lines in order: [name, value, name, value, ...]. */
  fields: string[];
  /** Fields whose representation said "never indexed" (§6.2.3), by name. */
  sensitive: Set<string> | null;
  /** Sum of name + value + 32 over the fields (RFC 9113 §6.5.2). */
  listSize: number;
}

/**
 * How a field line was represented (RFC 7541 §6): from a table entry (§6.1), or a
 * literal with incremental indexing (§6.2.1), without indexing (§6.2.2) or never
 * indexed (§6.2.3). What a wire trace shows beside each field.
 */
export type Representation = "indexed" | "incremental" | "without-indexing" | "never-indexed";

export class HpackDecoder {
  readonly table: DynamicTable;

  /** `maxTableSize` is our SETTINGS_HEADER_TABLE_SIZE: the bound on size updates. */
  constructor(public maxTableSize = 4096) {
    this.table = new DynamicTable(maxTableSize);
  }

  /** Where decode() is in the block it reads. */
  private readonly at: Cursor = { pos: 0 };

  /**
   * Decodes one complete header block. Any error is an HpackError (COMPRESSION_ERROR).
   * With `representations`, each field's representation is pushed to it, in order.
   */
  decode(b: Uint8Array, representations?: Representation[]): DecodedBlock {
    const fields: string[] = [];
    let sensitive: Set<string> | null = null;
    let listSize = 0;
    const at = this.at;
    at.pos = 0;
    let sawField = false;
    while (at.pos < b.length) {
      const c = b[at.pos]!;
      let name: string, value: string;
      if (c & 0x80) {
        // §6.1 indexed header field
        const i = decodeInt(b, at, 7);
        name = this.name(i);
        value = i <= STATIC_TABLE.length ? STATIC_TABLE[i - 1]![1] : this.table.value(i);
        representations?.push("indexed");
      } else if ((c & 0xe0) === 0x20) {
        // §6.3 dynamic table size update: only at the start of a block (§4.2)
        if (sawField) throw new HpackError("LATE_SIZE_UPDATE", "dynamic table size update after a field");
        const size = decodeInt(b, at, 5);
        if (size > this.maxTableSize) throw new HpackError("SIZE_UPDATE_TOO_LARGE", `table size ${size} over our limit ${this.maxTableSize}`);
        this.table.setMaxSize(size);
        continue;
      } else {
        // §6.2 literal: with incremental indexing (01), without (0000), never indexed (0001)
        const indexing = (c & 0xc0) === 0x40;
        const i = decodeInt(b, at, indexing ? 6 : 4);
        name = i === 0 ? this.string(b) : this.name(i);
        value = this.string(b);
        if (indexing) this.table.add(name, value);
        else if ((c & 0xf0) === 0x10) (sensitive ??= new Set()).add(name);
        representations?.push(indexing ? "incremental" : (c & 0xf0) === 0x10 ? "never-indexed" : "without-indexing");
      }
      sawField = true;
      fields.push(name, value);
      listSize += name.length + value.length + 32;
    }
    return { fields, sensitive, listSize };
  }

  /** The name of the entry at index i, static (1-61) or dynamic (62 on). */
  private name(i: number): string {
    if (i === 0) throw new HpackError("INDEX_ZERO", "index 0 is not a valid field index");
    if (i <= STATIC_TABLE.length) return STATIC_TABLE[i - 1]![0];
    const name = this.table.name(i);
    if (name === undefined) throw new HpackError("INDEX_OUT_OF_RANGE", `index ${i} is beyond the dynamic table`);
    return name;
  }

  /** §5.2 string literal at the cursor: Huffman-coded or raw octets (latin1). */
  private string(b: Uint8Array): string {
    const at = this.at;
    if (at.pos >= b.length) throw new HpackError("TRUNCATED_STRING", "header block ends before a string");
    const huffman = (b[at.pos]! & 0x80) !== 0;
    const len = decodeInt(b, at, 7);
    const start = at.pos;
    const end = start + len;
    if (end > b.length) throw new HpackError("TRUNCATED_STRING", "string longer than the header block");
    at.pos = end;
    return huffman ? huffmanDecode(b, start, end) : latin1(b, start, end);
  }
}
