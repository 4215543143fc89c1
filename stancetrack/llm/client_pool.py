"""The `openai` clients of one backend: one connection each, lent one request at a time.

Why not one client for all requests: httpcore's connection pool walks every pooled
connection whenever a request starts or ends and probes each idle one with a system call
(is the socket readable?). At `--concurrency 32` that walk was the largest cost on the
event loop after the SDK itself, and it grows with the concurrency. A client per request
slot keeps it to one connection per walk. Lending the clients out also bounds the requests
in flight, so the pool is the backend's concurrency limit.

Clients are made on demand (a short batch makes few) and share one SSL context: building a
context loads the CA bundle, about 50 ms each.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx2
from openai import AsyncOpenAI, DefaultAsyncHttpxClient

ClientFactory = Callable[[httpx2.AsyncClient], AsyncOpenAI]


class ClientPool:
    """At most `size` requests in flight, each on a client of its own."""

    def __init__(self, size: int, make: ClientFactory, *, shared: AsyncOpenAI | None = None):
        self._make = make
        self._shared = shared  # a caller's client: every slot lends it (tests, embedding)
        self._made: list[AsyncOpenAI] = []
        self._idle: list[AsyncOpenAI] = []
        self._slots = asyncio.Semaphore(size)
        self._ssl: ssl.SSLContext | None = None

    @asynccontextmanager
    async def lend(self) -> AsyncIterator[AsyncOpenAI]:
        async with self._slots:
            client = self._take()
            try:
                yield client
            finally:
                if client is not self._shared:
                    self._idle.append(client)

    def _take(self) -> AsyncOpenAI:
        if self._shared is not None:
            return self._shared
        if self._idle:
            return self._idle.pop()
        if self._ssl is None:
            self._ssl = ssl.create_default_context()
        # One connection: the slot semaphore never lends a client to two requests at once.
        limits = httpx2.Limits(max_connections=1, max_keepalive_connections=1)
        client = self._make(DefaultAsyncHttpxClient(verify=self._ssl, limits=limits))
        self._made.append(client)
        return client

    @property
    def clients_made(self) -> int:
        return len(self._made) if self._shared is None else 1

    async def aclose(self) -> None:
        clients = [self._shared] if self._shared is not None else self._made
        for client in clients:
            await client.close()
        self._made.clear()
        self._idle.clear()
