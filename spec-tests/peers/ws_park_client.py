"""Python websockets (python3-websockets) against parking-app.ts's /ws, pausing so that
the server can park each socket between its messages: echoes after pauses, a message the
server sends by itself while the socket waits, a large binary message, many sockets at
once, each woken again and again, and a close code the server's handler must hear.
Prints one JSON object with what it saw."""
import asyncio, hashlib, json, os, random, sys
import websockets

async def main(url):
    out = {}
    async with websockets.connect(url, max_size=None, compression=None) as ws:
        await ws.send("a"); first = await ws.recv()
        await asyncio.sleep(0.3)
        await ws.send("b"); second = await ws.recv()
        out["echoes"] = [first, second]
        # The server answers, then sends "pushed" by itself 300 ms later.
        await ws.send("later"); out["later"] = [await ws.recv(), await ws.recv()]
        await asyncio.sleep(0.3)
        big = os.urandom(300_000)
        await ws.send(big); back = await ws.recv()
        out["big_ok"] = isinstance(back, bytes) and hashlib.sha256(back).digest() == hashlib.sha256(big).digest()
        await asyncio.sleep(0.2)
        pong = await ws.ping(b"pp"); await asyncio.wait_for(pong, 5); out["pong"] = True
        await asyncio.sleep(0.2)
        await ws.close(4002, "bye")
    out["close_code"] = ws.close_code

    rng = random.Random(7)
    async def client(i):
        async with websockets.connect(url, compression=None) as c:
            for r in range(6):
                await asyncio.sleep(rng.random() * 0.04)
                msgs = [f"c{i}-r{r}-{k}" * (1 + rng.randrange(40)) for k in range(1 + rng.randrange(3))]
                for m in msgs: await c.send(m)
                for m in msgs:
                    if await c.recv() != m: return False
        return True
    out["many_ok"] = all(await asyncio.gather(*[client(i) for i in range(50)]))
    print(json.dumps(out))

asyncio.run(main(sys.argv[1]))
