/** Any malformed header block: a connection error of type COMPRESSION_ERROR (RFC 9113 §4.3). */
export class HpackError extends Error {
  override readonly name = "HpackError";
  constructor(readonly code: string, message: string) {
    super(message);
  }
}
