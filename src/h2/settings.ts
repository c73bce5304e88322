/** RFC 9113 §6.5.2 settings: identifiers, defaults and validation. */
import { ConnectionError, ErrorCode } from "./errors.ts";

export const SettingId = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
  /** RFC 8441 §3: the extended CONNECT method (:protocol) may be used. */
  ENABLE_CONNECT_PROTOCOL: 0x8,
} as const;

export interface Settings {
  headerTableSize: number;
  enablePush: number;
  maxConcurrentStreams: number;
  initialWindowSize: number;
  maxFrameSize: number;
  maxHeaderListSize: number;
}

/** §6.5.2 initial values, in force until the peer's SETTINGS arrive. */
export const DEFAULT_SETTINGS: Settings = {
  headerTableSize: 4096,
  enablePush: 1,
  maxConcurrentStreams: Infinity,
  initialWindowSize: 65535,
  maxFrameSize: 16384,
  maxHeaderListSize: Infinity,
};

export const MAX_WINDOW = 2 ** 31 - 1;

/** Parses a SETTINGS payload into [id, value] pairs, validating each known value. */
export function parseSettings(p: Uint8Array): [number, number][] {
  // §6.5: a length that is not a multiple of 6 is a FRAME_SIZE_ERROR.
  if (p.length % 6 !== 0) throw new ConnectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS length not a multiple of 6");
  const out: [number, number][] = [];
  for (let i = 0; i < p.length; i += 6) {
    const id = (p[i]! << 8) | p[i + 1]!;
    const v = ((p[i + 2]! << 24) | (p[i + 3]! << 16) | (p[i + 4]! << 8) | p[i + 5]!) >>> 0;
    if (id === SettingId.ENABLE_PUSH && v > 1) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "SETTINGS_ENABLE_PUSH not 0 or 1");
    if (id === SettingId.ENABLE_CONNECT_PROTOCOL && v > 1)
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "SETTINGS_ENABLE_CONNECT_PROTOCOL not 0 or 1");
    if (id === SettingId.INITIAL_WINDOW_SIZE && v > MAX_WINDOW)
      throw new ConnectionError(ErrorCode.FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1");
    if (id === SettingId.MAX_FRAME_SIZE && (v < 16384 || v > 16777215))
      throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "SETTINGS_MAX_FRAME_SIZE outside 16384..16777215");
    out.push([id, v]); // §6.5.2: unknown identifiers are ignored by the caller
  }
  return out;
}

export function applySetting(s: Settings, id: number, v: number): void {
  switch (id) {
    case SettingId.HEADER_TABLE_SIZE: s.headerTableSize = v; break;
    case SettingId.ENABLE_PUSH: s.enablePush = v; break;
    case SettingId.MAX_CONCURRENT_STREAMS: s.maxConcurrentStreams = v; break;
    case SettingId.INITIAL_WINDOW_SIZE: s.initialWindowSize = v; break;
    case SettingId.MAX_FRAME_SIZE: s.maxFrameSize = v; break;
    case SettingId.MAX_HEADER_LIST_SIZE: s.maxHeaderListSize = v; break;
  }
}
