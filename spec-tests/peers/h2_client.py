"""Python h2 (Debian's python3-h2) driving raw frames at purehttp: valid requests
and the error cases, reporting what the server answered as JSON."""
import json, socket, sys
import h2.config, h2.connection, h2.events

PORT = int(sys.argv[1])

def connect():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    cfg = h2.config.H2Configuration(client_side=True, header_encoding="utf-8", validate_outbound_headers=False, normalize_outbound_headers=False, validate_inbound_headers=False)
    c = h2.connection.H2Connection(config=cfg)
    c.initiate_connection()
    s.sendall(c.data_to_send())
    return s, c

def pump(s, c, until, limit=50):
    events = []
    for _ in range(limit):
        try:
            data = s.recv(65536)
        except socket.timeout:
            break
        if not data:
            break
        for e in c.receive_data(data):
            events.append(e)
        s.sendall(c.data_to_send())
        if until(events):
            break
    return events

def frame(t, flags, sid, payload=b""):
    return len(payload).to_bytes(3, "big") + bytes([t, flags]) + sid.to_bytes(4, "big") + payload

out = {}
GET = [(":method", "GET"), (":scheme", "http"), (":path", "/hello"), (":authority", "localhost")]

# A valid request.
s, c = connect()
c.send_headers(1, GET, end_stream=True)
s.sendall(c.data_to_send())
ev = pump(s, c, lambda es: any(isinstance(e, h2.events.StreamEnded) for e in es))
out["hello"] = b"".join(e.data for e in ev if isinstance(e, h2.events.DataReceived)).decode()
# A POST with a body, acknowledged data, then a second stream on the same connection.
c.send_headers(3, [(":method", "POST"), (":scheme", "http"), (":path", "/echo"), (":authority", "localhost")])
c.send_data(3, b"x" * 100000 if False else b"abc", end_stream=True)
s.sendall(c.data_to_send())
ev = pump(s, c, lambda es: any(isinstance(e, h2.events.StreamEnded) for e in es))
body = json.loads(b"".join(e.data for e in ev if isinstance(e, h2.events.DataReceived)))
out["post"] = [body["httpVersion"], body["bodyLength"]]
s.close()

# Stream error: an uppercase field name is malformed -> RST_STREAM PROTOCOL_ERROR.
s, c = connect()
c.send_headers(1, GET + [("X-Upper", "1")], end_stream=True)
s.sendall(c.data_to_send())
ev = pump(s, c, lambda es: any(isinstance(e, h2.events.StreamReset) for e in es))
out["uppercase"] = [int(e.error_code) for e in ev if isinstance(e, h2.events.StreamReset)]
s.close()

def goaway_codes(raw_frame):
    """Sends one raw frame after the SETTINGS exchange; returns the GOAWAY error codes received."""
    s, c = connect()
    pump(s, c, lambda es: any(isinstance(e, h2.events.RemoteSettingsChanged) for e in es), 3)
    s.sendall(raw_frame)
    ev = pump(s, c, lambda es: any(isinstance(e, h2.events.ConnectionTerminated) for e in es))
    s.close()
    return [int(e.error_code) for e in ev if isinstance(e, h2.events.ConnectionTerminated)]

# Connection errors: PING on a stream -> PROTOCOL_ERROR; a frame over SETTINGS_MAX_FRAME_SIZE -> FRAME_SIZE_ERROR.
out["ping_on_stream"] = goaway_codes(frame(6, 0, 1, b"\0" * 8))
out["oversized_frame"] = goaway_codes(frame(0, 0, 1, b"\0" * 16385))

print(json.dumps(out))
