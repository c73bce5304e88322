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
