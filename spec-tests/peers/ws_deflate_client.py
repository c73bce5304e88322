"""permessage-deflate (RFC 7692) with Python's websockets (python3-websockets), whose
client offers it by default and compresses with zlib: messages both ways, the window
carried between the client's messages, and a 1 MiB text. Prints JSON."""
import asyncio, json, sys
import websockets

async def main():
    async with websockets.connect(sys.argv[1], max_size=2**24) as ws:
        out = {"agreed": ws.response_headers.get("Sec-WebSocket-Extensions"), "echo": []}
        for msg in ["short", "repeat me " * 500, bytes(range(256)) * 64, "repeat me " * 500, "é" * 100000 + "end"]:
            await ws.send(msg)
            back = await ws.recv()
            out["echo"].append(back == msg)
        await ws.send("extensions?")
        out["server_extensions"] = await ws.recv()
        print(json.dumps(out))

asyncio.run(main())
