/** Limits of the HTTP/1.1 core. Every one is an option of `serve()`. */
export interface H1Limits {
  /** Bytes of the request-line plus field lines (431 past it). Default 16 KiB. */
  maxHeaderBytes: number;
  /** Number of field lines, trailers included (431 past it). Default 100. */
  maxHeaderCount: number;
  /** Bytes of the request-target (414 past it). Default 8 KiB. */
  maxTargetLength: number;
  /** Bytes of a request body (413 past it). Default 1 GiB. */
  maxBodyBytes: number;
}

export const DEFAULT_H1_LIMITS: H1Limits = {
  maxHeaderBytes: 16 * 1024,
  maxHeaderCount: 100,
  maxTargetLength: 8 * 1024,
  maxBodyBytes: 1024 * 1024 * 1024,
};
