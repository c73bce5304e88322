"""Python websockets (python3-websockets) sends text messages that begin with U+FEFF (a
BOM) to each URL given and checks each comes back as sent: the BOM is the application's
data (WebSocket decodes text "without BOM", keeping it). The client offers
permessage-deflate, so where the server agrees the longer message goes compressed.
Prints JSON: per URL, the extensions agreed and whether each message came back whole."""
import asyncio, json, sys
import websockets

MESSAGES = ["\ufeffbom", "\ufeff", "\ufeff\ufeffdouble", "\ufeff" + "repeat me " * 300]

async def check(url):
    async with websockets.connect(url) as ws:
        echoed = []
        for m in MESSAGES:
            await ws.send(m)
            echoed.append(await ws.recv() == m)
        return {"extensions": ws.response_headers.get("Sec-WebSocket-Extensions"), "echoed": echoed}

async def main():
    print(json.dumps({url.rsplit("/", 1)[1]: await check(url) for url in sys.argv[1:]}))

asyncio.run(main())
