"""gRPC calls against purehttp echo with Python grpcio: every call type, 16 MiB, unknown method, deadline, cancel.
Args: PORT [h2c | tls CERT]; prints what each call returned as JSON."""
import grpc, sys, json, time, threading
port = int(sys.argv[1]); mode = sys.argv[2] if len(sys.argv) > 2 else "h2c"
opts = [("grpc.max_receive_message_length", 64 << 20), ("grpc.max_send_message_length", 64 << 20)]
if mode == "tls":
    creds = grpc.ssl_channel_credentials(root_certificates=open(sys.argv[3], "rb").read())
    ch = grpc.secure_channel(f"localhost:{port}", creds, options=opts)
else:
    ch = grpc.insecure_channel(f"127.0.0.1:{port}", options=opts)
out = {}
unary = ch.unary_unary("/purehttp.Echo/Unary")
out["unary"] = unary(b"hello").decode()
out["server_stream"] = [m.decode() for m in ch.unary_stream("/purehttp.Echo/ServerStream")(b"abc")]
out["client_stream"] = ch.stream_unary("/purehttp.Echo/ClientStream")(iter([b"a", b"b", b"c"])).decode()
out["bidi"] = [m.decode() for m in ch.stream_stream("/purehttp.Echo/BidiStream")(iter([b"x", b"y", b"z"]))]
big = bytes(range(256)) * (16 * 4096)
r = unary(big)
out["big"] = [len(r), r == big]
try:
    ch.unary_unary("/purehttp.Echo/Nope")(b"x"); out["unknown"] = "ok?"
except grpc.RpcError as e:
    out["unknown"] = [e.code().name, e.details()]
def never():
    time.sleep(5); yield b"late"
try:
    list(ch.stream_stream("/purehttp.Echo/BidiStream")(never(), timeout=0.5)); out["deadline"] = "ok?"
except grpc.RpcError as e:
    out["deadline"] = e.code().name
call = ch.stream_stream("/purehttp.Echo/BidiStream")(never())
threading.Timer(0.3, call.cancel).start()
try:
    list(call); out["cancel"] = "ok?"
except grpc.RpcError as e:
    out["cancel"] = e.code().name
out["after"] = unary(b"still").decode()
print(json.dumps(out))
