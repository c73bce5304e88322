/** RFC 9113 §5.1 stream states for a server (no push, so no reserved states), as one table. */
export const enum StreamState {
  Idle,
  Open,
  HalfClosedLocal,
  HalfClosedRemote,
  Closed,
}

export const enum StreamInput {
  RecvHeaders,
  RecvEndStream,
  SendEndStream,
  Reset,
}

/** The whole transition function: (state, input) -> next state. */
export function transition(s: StreamState, input: StreamInput): StreamState {
  switch (input) {
    case StreamInput.RecvHeaders:
      return s === StreamState.Idle ? StreamState.Open : s;
    case StreamInput.RecvEndStream:
      return s === StreamState.Open ? StreamState.HalfClosedRemote : s === StreamState.HalfClosedLocal ? StreamState.Closed : s;
    case StreamInput.SendEndStream:
      return s === StreamState.Open ? StreamState.HalfClosedLocal : s === StreamState.HalfClosedRemote ? StreamState.Closed : s;
    case StreamInput.Reset:
      return StreamState.Closed;
  }
}
