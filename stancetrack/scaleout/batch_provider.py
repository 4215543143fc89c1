"""The provider's files and batches, through the openai SDK (one thin, typed seam).

Management calls are few and cheap, so the SDK's own retries (2) are the retry layer here;
chat requests keep theirs in llm/retries.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

from openai import AsyncOpenAI
from openai.types import Batch

from stancetrack.settings import Settings

DEFAULT_BASE_URL = "https://api.openai.com/v1"
METADATA_KEY = "stancetrack_batch"


class Provider:
    def __init__(self, settings: Settings) -> None:
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
        self.client = AsyncOpenAI(
            api_key=key or "no-key",
            base_url=settings.openai_base_url or DEFAULT_BASE_URL,
            max_retries=2,
            timeout=max(settings.request_timeout, 600.0),  # uploads of up to 200 MB
        )

    async def aclose(self) -> None:
        await self.client.close()

    async def upload(self, path: str) -> str:
        """Upload a request file (streamed from disk); returns its file id."""
        with open(path, "rb") as handle:
            uploaded = await self.client.files.create(
                file=(Path(path).name, handle, "application/jsonl"), purpose="batch"
            )
        return uploaded.id

    async def create(self, input_file_id: str, local_id: int) -> Batch:
        return await self.client.batches.create(
            input_file_id=input_file_id,
            endpoint="/v1/chat/completions",
            completion_window="24h",
            metadata={METADATA_KEY: str(local_id)},
        )

    async def retrieve(self, provider_id: str) -> Batch:
        return await self.client.batches.retrieve(provider_id)

    async def cancel(self, provider_id: str) -> Batch:
        return await self.client.batches.cancel(provider_id)

    async def find_created(self, input_file_id: str) -> Batch | None:
        """The batch already created from this file, if a crash lost its id."""
        async for batch in self.client.batches.list(limit=100):
            if batch.input_file_id == input_file_id:
                return batch
        return None

    async def lines(self, file_id: str) -> AsyncIterator[bytes]:
        """A result file's lines, streamed (never the whole file in memory)."""
        async with self.client.files.with_streaming_response.content(file_id) as response:
            async for line in response.iter_lines():
                if line.strip():
                    yield line.encode("utf-8")
