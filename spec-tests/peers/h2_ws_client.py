"""WebSocket over HTTP/2 (RFC 8441) with peers we did not write: Python's h2 (Debian's
python3-h2) for the HTTP/2 connection and the extended CONNECT, and the frame codec of
Python's websockets (python3-websockets) for the WebSocket frames inside the stream.
Prints what happened as JSON."""
import json, socket, sys
import h2.config, h2.connection, h2.events, h2.settings
from websockets.frames import Frame, Opcode, Close
from websockets.streams import StreamReader

PORT = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
c = h2.connection.H2Connection(config=h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
c.initiate_connection()
s.sendall(c.data_to_send())

out = {"enable_connect_protocol": None, "status": None, "messages": [], "close": None, "stream_ended": False}
reader = StreamReader()

def pump(until, limit=100):
    for _ in range(limit):
        if until():
            return
        data = s.recv(65536)
        if not data:
            return
        for e in c.receive_data(data):
            if isinstance(e, h2.events.RemoteSettingsChanged):
                v = e.changed_settings.get(h2.settings.SettingCodes.ENABLE_CONNECT_PROTOCOL)
                if v is not None:
                    out["enable_connect_protocol"] = v.new_value
            elif isinstance(e, h2.events.ResponseReceived):
                out["status"] = dict(e.headers)[":status"]
            elif isinstance(e, h2.events.DataReceived):
                c.acknowledge_received_data(e.flow_controlled_length, e.stream_id)
                reader.feed_data(e.data)
            elif isinstance(e, h2.events.StreamEnded):
                out["stream_ended"] = True
        s.sendall(c.data_to_send())

pump(lambda: out["enable_connect_protocol"] is not None)
c.send_headers(1, [(":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "http"), (":path", "/ws"),
                   (":authority", f"127.0.0.1:{PORT}"), ("sec-websocket-version", "13")])
s.sendall(c.data_to_send())
pump(lambda: out["status"] is not None)

def send(frame):
    c.send_data(1, frame.serialize(mask=True))
    s.sendall(c.data_to_send())

# websockets' parser is a generator that asks for bytes: run it over what has arrived.
def read_frame():
    gen = Frame.parse(reader.read_exact, mask=False, max_size=1 << 24)
    while True:
        try:
            next(gen)
        except StopIteration as done:
            return done.value
        pump(lambda: False, limit=1)

send(Frame(Opcode.TEXT, "héllo over h2".encode()))
out["messages"].append(read_frame().data.decode())
# A leading U+FEFF is part of the message: it comes back as sent.
send(Frame(Opcode.TEXT, "\ufeffbom".encode()))
out["messages"].append(read_frame().data.decode() == "\ufeffbom")
send(Frame(Opcode.BINARY, bytes(range(200))))
out["messages"].append(list(read_frame().data) == list(range(200)))
send(Frame(Opcode.CLOSE, Close(1000, "bye").serialize()))
f = read_frame()
out["close"] = [f.opcode.name, Close.parse(f.data).code]
pump(lambda: out["stream_ended"], limit=20)
print(json.dumps(out))
