/**
 * An HTTP/1.1 message that cannot be accepted. `status` is the response RFC 9112
 * and RFC 9110 assign; `code` is a stable identifier for tests and logs; `reason`
 * is the sentence sent in the body. Every parse error closes the connection,
 * because after bad framing the next message cannot be found reliably.
 */
export class H1ParseError extends Error {
  override readonly name = "H1ParseError";
  constructor(
    readonly status: 400 | 408 | 413 | 414 | 417 | 431 | 501 | 505,
    readonly code: string,
    readonly reason: string,
  ) {
    super(`${status} ${code}: ${reason}`);
  }
}

export const err = (status: H1ParseError["status"], code: string, reason: string) =>
  new H1ParseError(status, code, reason);

/**
 * The rule each rejection enforces, by code: what a wire trace shows beside it, so that
 * a reader can look the requirement up.
 */
export const RULE_OF: Readonly<Record<string, string>> = {
  BARE_CR: "RFC 9112 §2.2", BARE_LF: "RFC 9112 §2.2", EMPTY_LINES: "RFC 9112 §2.2", INVALID_HEAD: "RFC 9112 §2.1",
  INVALID_REQUEST_LINE: "RFC 9112 §3", EXTRA_SPACE: "RFC 9112 §3", NO_VERSION: "RFC 9112 §3", INVALID_METHOD: "RFC 9112 §3.1",
  EMPTY_TARGET: "RFC 9112 §3.2", INVALID_TARGET: "RFC 9112 §3.2", INVALID_VERSION: "RFC 9112 §2.3",
  VERSION_NOT_SUPPORTED: "RFC 9110 §15.6.6", URI_TOO_LONG: "RFC 9112 §3, RFC 9110 §15.5.15", LINE_TOO_LONG: "RFC 9112 §2.3",
  DUPLICATE_HOST: "RFC 9112 §3.2", INVALID_HOST: "RFC 9112 §3.2", MISSING_HOST: "RFC 9112 §3.2",
  OBS_FOLD: "RFC 9112 §5.2", WS_BEFORE_COLON: "RFC 9112 §5.1", NO_COLON: "RFC 9112 §5", EMPTY_FIELD_NAME: "RFC 9110 §5.1",
  INVALID_FIELD_NAME: "RFC 9110 §5.1", INVALID_FIELD_VALUE: "RFC 9110 §5.5", TOO_MANY_FIELDS: "RFC 6585 §5",
  HEADERS_TOO_LARGE: "RFC 6585 §5", INVALID_CONTENT_LENGTH: "RFC 9112 §6.3", CONFLICTING_CONTENT_LENGTH: "RFC 9112 §6.3",
  CL_AND_TE: "RFC 9112 §6.3", TE_IN_HTTP10: "RFC 9112 §6.1", INVALID_TRANSFER_ENCODING: "RFC 9112 §6.1",
  TE_NOT_CHUNKED: "RFC 9112 §6.3", CHUNKED_TWICE: "RFC 9112 §6.1", UNSUPPORTED_TRANSFER_CODING: "RFC 9112 §6.1, RFC 9110 §15.6.2",
  INVALID_CHUNK_SIZE: "RFC 9112 §7.1", CHUNK_SIZE_OVERFLOW: "RFC 9112 §7.1", INVALID_CHUNK_EXT: "RFC 9112 §7.1.1",
  CHUNK_NO_CRLF: "RFC 9112 §7.1", BODY_TOO_LARGE: "RFC 9110 §15.5.14", EXPECTATION_FAILED: "RFC 9110 §10.1.1",
  HEADERS_TIMEOUT: "RFC 9110 §15.5.9", REQUEST_TIMEOUT: "RFC 9110 §15.5.9",
};
