/** HPACK header block decoding (RFC 7541 §3, §6), sans-I/O. */
import { latin1 } from "../buffers/bytes.ts";
import { DynamicTable } from "./dynamic-table.ts";
import { HpackError } from "./errors.ts";
import { huffmanDecode } from "./huffman.ts";
import { decodeInt } from "./integer.ts";
import { STATIC_TABLE } from "./static-table.ts";

export interface DecodedBlock {
  /** Field lines in order: [name, value, name, value, ...]. */
  fields: string[];
  /** Fields whose representation said "never indexed" (§6.2.3), by name. */
  sensitive: Set<string> | null;
  /** Sum of name + value + 32 over the fields (RFC 9113 §6.5.2). */
  listSize: number;
}

export class HpackDecoder {
  readonly table: DynamicTable;

  /** `maxTableSize` is our SETTINGS_HEADER_TABLE_SIZE: the bound on size updates. */
  constructor(public maxTableSize = 4096) {
    this.table = new DynamicTable(maxTableSize);
  }

  /** Decodes one complete header block. Any error is an HpackError (COMPRESSION_ERROR). */
  decode(b: Uint8Array): DecodedBlock {
    const fields: string[] = [];
    let sensitive: Set<string> | null = null;
    let listSize = 0;
    let pos = 0;
    let sawField = false;
    while (pos < b.length) {
      const c = b[pos]!;
      let name: string, value: string;
      if (c & 0x80) {
        // §6.1 indexed header field
        const [i, p] = decodeInt(b, pos, 7);
        pos = p;
        [name, value] = this.entry(i);
      } else if ((c & 0xe0) === 0x20) {
        // §6.3 dynamic table size update: only at the start of a block (§4.2)
        if (sawField) throw new HpackError("LATE_SIZE_UPDATE", "dynamic table size update after a field");
        const [size, p] = decodeInt(b, pos, 5);
        pos = p;
        if (size > this.maxTableSize) throw new HpackError("SIZE_UPDATE_TOO_LARGE", `table size ${size} over our limit ${this.maxTableSize}`);
        this.table.setMaxSize(size);
        continue;
      } else {
        // §6.2 literal: with incremental indexing (01), without (0000), never indexed (0001)
        const indexing = (c & 0xc0) === 0x40;
        const prefix = indexing ? 6 : 4;
        const [i, p] = decodeInt(b, pos, prefix);
        pos = p;
        if (i === 0) [name, pos] = this.string(b, pos);
        else name = this.entry(i)[0];
        [value, pos] = this.string(b, pos);
        if (indexing) this.table.add(name, value);
        else if ((c & 0xf0) === 0x10) (sensitive ??= new Set()).add(name);
      }
      sawField = true;
      fields.push(name, value);
      listSize += name.length + value.length + 32;
    }
    return { fields, sensitive, listSize };
  }

  private entry(i: number): readonly [string, string] {
    if (i === 0) throw new HpackError("INDEX_ZERO", "index 0 is not a valid field index");
    if (i <= STATIC_TABLE.length) return STATIC_TABLE[i - 1]!;
    const e = this.table.get(i);
    if (!e) throw new HpackError("INDEX_OUT_OF_RANGE", `index ${i} is beyond the dynamic table`);
    return e;
  }

  private string(b: Uint8Array, pos: number): [string, number] {
    if (pos >= b.length) throw new HpackError("TRUNCATED_STRING", "header block ends before a string");
    const huffman = (b[pos]! & 0x80) !== 0;
    const [len, p] = decodeInt(b, pos, 7);
    const end = p + len;
    if (end > b.length) throw new HpackError("TRUNCATED_STRING", "string longer than the header block");
    return [huffman ? huffmanDecode(b, p, end) : latin1(b, p, end), end];
  }
}
