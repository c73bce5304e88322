/** RFC 9113 §7 error codes, and the two kinds of error of §5.4. */
export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const errorName = (code: number) =>
  (Object.entries(ErrorCode).find(([, v]) => v === code)?.[0]) ?? `0x${code.toString(16)}`;

/** §5.4.1: the whole connection is unusable; answered with GOAWAY and a close. */
export class ConnectionError extends Error {
  override readonly name = "ConnectionError";
  constructor(readonly code: ErrorCode, readonly reason: string) {
    super(`${errorName(code)}: ${reason}`);
  }
}

/** §5.4.2: one stream is unusable; answered with RST_STREAM. */
export class StreamError extends Error {
  override readonly name = "StreamError";
  constructor(readonly streamId: number, readonly code: ErrorCode, readonly reason: string) {
    super(`stream ${streamId} ${errorName(code)}: ${reason}`);
  }
}
