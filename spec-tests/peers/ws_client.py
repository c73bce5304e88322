"""Python websockets (Debian's python3-websockets) against purehttp's /ws echo.
Prints one JSON object with what it saw."""
import asyncio, json, os, sys, hashlib
import websockets

async def main(url):
    out = {}
    async with websockets.connect(url, max_size=None, subprotocols=["chat"]) as ws:
        out["subprotocol"] = ws.subprotocol
        await ws.send("héllo €"); out["text"] = await ws.recv()
        await ws.send(b"\x00\x01\xff"); out["binary"] = list(await ws.recv())
        big = os.urandom(16 * 1024 * 1024)
        await ws.send(big); back = await ws.recv()
        out["big_ok"] = hashlib.sha256(back).hexdigest() == hashlib.sha256(big).hexdigest() and isinstance(back, bytes)
        # A fragmented text message (an iterable is sent as fragments).
        await ws.send(["frag", "mented ", "ü"]); out["fragmented"] = await ws.recv()
        pong = await ws.ping(b"pp"); await asyncio.wait_for(pong, 5); out["pong"] = True
    out["close_code"] = ws.close_code
    # Many sockets at once.
    n = int(sys.argv[2])
    conns = await asyncio.gather(*[websockets.connect(url) for _ in range(n)])
    await asyncio.gather(*[c.send(f"m{i}") for i, c in enumerate(conns)])
    replies = await asyncio.gather(*[c.recv() for c in conns])
    out["many_ok"] = replies == [f"m{i}" for i in range(n)]
    await asyncio.gather(*[c.close() for c in conns])
    print(json.dumps(out))

asyncio.run(main(sys.argv[1]))
