/** What an HTTP/2 server connection advertises and tolerates: its SETTINGS and its abuse bounds. */

export interface H2Options {
  /** SETTINGS_MAX_CONCURRENT_STREAMS we advertise. Default 1000. */
  maxConcurrentStreams: number;
  /** SETTINGS_INITIAL_WINDOW_SIZE we advertise: unread bytes a client may send per stream. Default 256 KiB. */
  initialWindowSize: number;
  /** Receive window of the whole connection. Default 1 MiB. */
  connectionWindowSize: number;
  /** SETTINGS_MAX_HEADER_LIST_SIZE we advertise; larger requests get 431. Default 64 KiB. */
  maxHeaderListSize: number;
  /**
   * Abuse bounds per 10 s window; past any of them: GOAWAY ENHANCE_YOUR_CALM. Resets
   * count the peer's RST_STREAM frames, the stream errors it provokes (each one a
   * RST_STREAM of ours) and header blocks it sends on closed streams.
   */
  maxResetsPer10s: number;
  maxControlFramesPer10s: number;
  maxEmptyFramesPer10s: number;
  /** Largest header block (HEADERS + CONTINUATION) accepted before ENHANCE_YOUR_CALM. */
  maxHeaderBlockBytes: number;
  /**
   * Zero-window streams: a peer that never opens its window keeps our queued data
   * forever. More than this many stalled streams at once, or one stalled longer
   * than `maxStallMs`, ends the connection with ENHANCE_YOUR_CALM.
   */
  maxStalledStreams: number;
  maxStallMs: number;
  /** Advertise SETTINGS_ENABLE_CONNECT_PROTOCOL and accept RFC 8441's extended CONNECT (WebSocket over HTTP/2). Default true. */
  enableConnectProtocol: boolean;
}

export const DEFAULT_H2_OPTIONS: H2Options = {
  maxConcurrentStreams: 1000,
  initialWindowSize: 256 * 1024,
  connectionWindowSize: 1024 * 1024,
  maxHeaderListSize: 64 * 1024,
  maxResetsPer10s: 1000,
  maxControlFramesPer10s: 2000,
  maxEmptyFramesPer10s: 1000,
  maxHeaderBlockBytes: 256 * 1024,
  maxStalledStreams: 100,
  maxStallMs: 60_000,
  enableConnectProtocol: true,
};
