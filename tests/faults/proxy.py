"""A loopback TCP proxy we control, to simulate a broker outage without losing broker memory.

``cut()`` resets every open connection and refuses new ones (accepted, then closed at once);
``restore()`` lets traffic through again. Runs its own asyncio loop in a daemon thread.
"""

from __future__ import annotations

import asyncio
import threading

from motcua.orchestrator import free_port


class TcpProxy:
    def __init__(self, target_port: int, port: int | None = None) -> None:
        self.target_port, self.port = target_port, port or free_port()
        self.up = True
        self.refused = 0
        self._writers: set[asyncio.StreamWriter] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tcp-proxy", daemon=True)

    def __enter__(self) -> "TcpProxy":
        self._thread.start()
        assert self._ready.wait(10), "proxy did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def cut(self) -> None:
        self._loop.call_soon_threadsafe(self._cut)

    def restore(self) -> None:
        self.up = True

    def _cut(self) -> None:
        self.up = False
        for w in list(self._writers):
            w.transport.abort()
        self._writers.clear()

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", self.port))
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()
            for w in list(self._writers):
                w.transport.abort()
            self._loop.run_until_complete(server.wait_closed())
            self._loop.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            self.refused += 1
            writer.transport.abort()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while self.up and (chunk := await reader.read(65536)):
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            writer.transport.abort()
