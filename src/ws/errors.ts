/**
 * A WebSocket protocol failure: `closeCode` is what we send in the Close frame
 * (RFC 6455 §7.4.1), `code` a stable identifier, `message` the reason.
 */
export class WsError extends Error {
  override readonly name = "WsError";
  constructor(readonly closeCode: 1002 | 1007 | 1008 | 1009 | 1011, readonly code: string, message: string) {
    super(message);
  }
}
