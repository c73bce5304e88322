/** RFC 7541: primitives (§5), Huffman (Appendix B) and the examples of Appendix C. */
import { describe, expect, it } from "vitest";
import { HpackDecoder } from "../../src/hpack/decoder.ts";
import { HpackEncoder } from "../../src/hpack/encoder.ts";
import { HpackError } from "../../src/hpack/errors.ts";
import { CODES, CODE_LENGTHS, huffmanDecode, huffmanEncode } from "../../src/hpack/huffman.ts";
import { decodeInt, encodeInt } from "../../src/hpack/integer.ts";

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const enc = (n: number, prefix: number) => {
  const out: number[] = [];
  encodeInt(out, n, prefix, 0);
  return out;
};

describe("§5.1 integers (C.1)", () => {
  it("C.1.1: 10 with a 5-bit prefix", () => expect(enc(10, 5)).toEqual([10]));
  it("C.1.2: 1337 with a 5-bit prefix", () => expect(enc(1337, 5)).toEqual([31, 154, 10]));
  it("C.1.3: 42 at an octet boundary", () => expect(enc(42, 8)).toEqual([42]));
  it("decodes what it encodes, and rejects truncation and overflow", () => {
    for (const n of [0, 30, 31, 127, 128, 1337, 2 ** 20, 2 ** 31 - 1]) {
      const at = { pos: 0 };
      expect(decodeInt(Uint8Array.from(enc(n, 5)), at, 5)).toBe(n);
      expect(at.pos).toBe(enc(n, 5).length);
    }
    expect(() => decodeInt(Uint8Array.of(31, 154), { pos: 0 }, 5)).toThrow(HpackError);
    expect(() => decodeInt(Uint8Array.of(31, 255, 255, 255, 255, 255, 1), { pos: 0 }, 5)).toThrow(HpackError);
  });
});

describe("Appendix B Huffman code", () => {
  it("derived canonical codes equal the RFC's printed codes", () => {
    const printed: [number, number, number][] = [
      [0, 0x1ff8, 13], [9, 0xffffea, 24], [10, 0x3ffffffc, 30], [22, 0x3ffffffe, 30], [32, 0x14, 6], [48, 0x0, 5],
      [92, 0x7fff0, 19], [97, 0x3, 5], [126, 0x1ffd, 13], [127, 0xffffffc, 28], [195, 0x7fff1, 19], [199, 0x1ffffec, 25],
      [220, 0xffffffd, 28], [255, 0x3ffffee, 26], [256, 0x3fffffff, 30],
    ];
    for (const [sym, code, len] of printed) expect([CODES[sym], CODE_LENGTHS[sym]]).toEqual([code, len]);
  });
  it("every byte round-trips", () => {
    const all = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
    const out: number[] = [];
    huffmanEncode(out, all);
    expect(huffmanDecode(Uint8Array.from(out), 0, out.length)).toBe(all);
  });
  it("§5.2: EOS in the string, padding over 7 bits, or padding not all ones is an error", () => {
    expect(() => huffmanDecode(hex("ffffffff"), 0, 4)).toThrow(HpackError); // EOS
    expect(() => huffmanDecode(hex("1fff"), 0, 2)).toThrow(HpackError); // '0' then 11 bits of ones
    expect(() => huffmanDecode(hex("00"), 0, 1)).toThrow(HpackError); // '0' then 000 padding
  });
});

describe("Appendix C.3/C.4: requests without and with Huffman, one decoder", () => {
  for (const [name, blocks] of [
    ["C.3 without Huffman", ["828684410f7777772e6578616d706c652e636f6d", "828684be58086e6f2d6361636865", "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565"]],
    ["C.4 with Huffman", ["828684418cf1e3c2e5f23a6ba0ab90f4ff", "828684be5886a8eb10649cbf", "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf"]],
  ] as const) {
    it(name, () => {
      const d = new HpackDecoder();
      expect(d.decode(hex(blocks[0])).fields).toEqual([":method", "GET", ":scheme", "http", ":path", "/", ":authority", "www.example.com"]);
      expect(d.decode(hex(blocks[1])).fields).toEqual([":method", "GET", ":scheme", "http", ":path", "/", ":authority", "www.example.com", "cache-control", "no-cache"]);
      expect(d.decode(hex(blocks[2])).fields).toEqual([":method", "GET", ":scheme", "https", ":path", "/index.html", ":authority", "www.example.com", "custom-key", "custom-value"]);
      expect(d.table.size).toBe(164);
    });
  }
});

describe("Appendix C.5/C.6: responses with a 256-byte table and eviction", () => {
  it("C.6: decodes with eviction and ends with the RFC's table size", () => {
    const d = new HpackDecoder(256);
    d.table.setMaxSize(256);
    d.decode(hex("488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3"));
    d.decode(hex("4883640effc1c0bf"));
    const third = d.decode(hex("88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007"));
    expect(third.fields).toEqual([":status", "200", "cache-control", "private", "date", "Mon, 21 Oct 2013 20:13:22 GMT", "location", "https://www.example.com", "content-encoding", "gzip", "set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"]);
    expect(d.table.size).toBe(215);
  });
});

describe("decoder errors are typed COMPRESSION_ERRORs", () => {
  const bad: [string, string][] = [
    ["index 0", "80"],
    ["index beyond the tables", "be"],
    ["size update over our SETTINGS", "3fe21f"],
    ["size update after a field", "8220"],
    ["string longer than the block", "400a61"],
    ["truncated integer", "7f"],
  ];
  for (const [name, block] of bad) it(name, () => expect(() => new HpackDecoder(4096).decode(hex(block))).toThrow(HpackError));
  it("two size updates at the start are allowed", () => {
    expect(new HpackDecoder(4096).decode(hex("203f61 82")).fields).toEqual([":method", "GET"]);
  });
});

describe("encoder strategy", () => {
  it("indexes what repeats, so a second identical block is one byte per field", () => {
    const e = new HpackEncoder();
    const fields: [string, string][] = [[":status", "200"], ["content-type", "text/html"], ["server", "purehttp"]];
    const first = e.encode(fields);
    const second = e.encode(fields);
    expect(second.length).toBe(3);
    expect(first.length).toBeGreaterThan(second.length);
  });
  it("never indexes authorization, cookie, set-cookie, proxy-authorization (§7.1.3)", () => {
    const e = new HpackEncoder();
    const d = new HpackDecoder();
    for (const n of ["authorization", "cookie", "set-cookie", "proxy-authorization"]) {
      const block = e.encode([[n, "secret"]]);
      expect(block[0]! & 0xf0).toBe(0x10);
      expect(d.decode(block).sensitive?.has(n)).toBe(true);
    }
    expect(e.table.length).toBe(0);
  });
  it("a table size change is announced at the start of the next block", () => {
    const e = new HpackEncoder();
    e.encode([["x-a", "1"]]);
    e.setMaxTableSize(0);
    const b = e.encode([["x-a", "1"]]);
    expect(b[0]).toBe(0x20);
    expect(new HpackDecoder().decode(b).fields).toEqual(["x-a", "1"]);
  });
});
