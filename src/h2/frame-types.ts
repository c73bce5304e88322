/**
 * RFC 9113 §6: each frame type's layout, read from a received frame into its fields,
 * in one table (the way Go's x/net/http2 keeps its frame parsers). What a frame says
 * on its own is checked here: the stream it may be on, its length, its padding. What it
 * means for the connection's state is the connection's business (connection.ts).
 */
import { ConnectionError, ErrorCode, StreamError } from "./errors.ts";
import { Flag, type Frame, FrameType, readU32 } from "./frames.ts";
import { parseSettings } from "./settings.ts";

export type ParsedFrame =
  | { type: typeof FrameType.DATA; streamId: number; data: Uint8Array; flowLength: number; end: boolean }
  | { type: typeof FrameType.HEADERS; streamId: number; flags: number; block: Uint8Array; endHeaders: boolean; selfDependent: boolean }
  | { type: typeof FrameType.PRIORITY; streamId: number }
  | { type: typeof FrameType.RST_STREAM; streamId: number; code: number }
  | { type: typeof FrameType.SETTINGS; ack: boolean; settings: [number, number][] }
  | { type: typeof FrameType.PING; ack: boolean; payload: Uint8Array }
  | { type: typeof FrameType.GOAWAY; lastStreamId: number; code: number }
  | { type: typeof FrameType.WINDOW_UPDATE; streamId: number; increment: number }
  | { type: typeof FrameType.CONTINUATION; streamId: number; fragment: Uint8Array; endHeaders: boolean };

type Parser = (f: Frame) => ParsedFrame;

const onStream = (f: Frame, name: string) => {
  if (f.streamId === 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `${name} on stream 0`);
};
const onConnection = (f: Frame, name: string) => {
  if (f.streamId !== 0) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, `${name} on a stream`);
};

/** Removes padding (§6.1, §6.2); a pad length reaching past the payload is a PROTOCOL_ERROR. */
function unpad(f: Frame): Uint8Array {
  const p = f.payload;
  if (!(f.flags & Flag.PADDED)) return p;
  if (p.length < 1) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "PADDED frame without a pad length");
  const pad = p[0]!;
  if (pad >= p.length) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "padding exceeds the frame payload");
  return p.subarray(1, p.length - pad);
}

const PARSERS: Record<number, Parser> = {
  // §6.1: the whole payload, padding included, counts against flow control.
  [FrameType.DATA]: (f) => {
    onStream(f, "DATA");
    return { type: FrameType.DATA, streamId: f.streamId, data: unpad(f), flowLength: f.payload.length, end: (f.flags & Flag.END_STREAM) !== 0 };
  },
  // §6.2: padding, then (with PRIORITY) 5 bytes of priority fields, then the field block fragment.
  [FrameType.HEADERS]: (f) => {
    onStream(f, "HEADERS");
    let block = unpad(f);
    let selfDependent = false;
    if (f.flags & Flag.PRIORITY) {
      if (block.length < 5) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "HEADERS too short for its priority fields");
      selfDependent = (readU32(block, 0) & 0x7fffffff) === f.streamId;
      block = block.subarray(5);
    }
    return { type: FrameType.HEADERS, streamId: f.streamId, flags: f.flags, block, endHeaders: (f.flags & Flag.END_HEADERS) !== 0, selfDependent };
  },
  // §6.3: accepted and ignored (RFC 9113 §5.3.2), but still checked.
  [FrameType.PRIORITY]: (f) => {
    onStream(f, "PRIORITY");
    if (f.payload.length !== 5) throw new StreamError(f.streamId, ErrorCode.FRAME_SIZE_ERROR, "PRIORITY length is not 5");
    if ((readU32(f.payload, 0) & 0x7fffffff) === f.streamId) throw new StreamError(f.streamId, ErrorCode.PROTOCOL_ERROR, "stream depends on itself");
    return { type: FrameType.PRIORITY, streamId: f.streamId };
  },
  [FrameType.RST_STREAM]: (f) => {
    onStream(f, "RST_STREAM");
    if (f.payload.length !== 4) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "RST_STREAM length is not 4");
    return { type: FrameType.RST_STREAM, streamId: f.streamId, code: readU32(f.payload, 0) };
  },
  [FrameType.SETTINGS]: (f) => {
    onConnection(f, "SETTINGS");
    if (f.flags & Flag.ACK) {
      if (f.payload.length !== 0) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS ACK with a payload");
      return { type: FrameType.SETTINGS, ack: true, settings: [] };
    }
    return { type: FrameType.SETTINGS, ack: false, settings: parseSettings(f.payload) };
  },
  // §8.4: a client cannot push.
  [FrameType.PUSH_PROMISE]: () => {
    throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE from a client");
  },
  [FrameType.PING]: (f) => {
    onConnection(f, "PING");
    if (f.payload.length !== 8) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "PING length is not 8");
    return { type: FrameType.PING, ack: (f.flags & Flag.ACK) !== 0, payload: f.payload };
  },
  [FrameType.GOAWAY]: (f) => {
    onConnection(f, "GOAWAY");
    if (f.payload.length < 8) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "GOAWAY shorter than 8 bytes");
    return { type: FrameType.GOAWAY, lastStreamId: readU32(f.payload, 0) & 0x7fffffff, code: readU32(f.payload, 4) };
  },
  [FrameType.WINDOW_UPDATE]: (f) => {
    if (f.payload.length !== 4) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "WINDOW_UPDATE length is not 4");
    return { type: FrameType.WINDOW_UPDATE, streamId: f.streamId, increment: readU32(f.payload, 0) & 0x7fffffff };
  },
  [FrameType.CONTINUATION]: (f) => ({
    type: FrameType.CONTINUATION, streamId: f.streamId, fragment: f.payload, endHeaders: (f.flags & Flag.END_HEADERS) !== 0,
  }),
};

/** The frame's fields, or null for a type this endpoint does not know (§4.1: ignored). */
export function parseFrame(f: Frame): ParsedFrame | null {
  const parse = PARSERS[f.type];
  return parse ? parse(f) : null;
}
