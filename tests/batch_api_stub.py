"""The Batch API half of the stub server: ``/v1/files`` and ``/v1/batches`` on 127.0.0.1.

Files are kept in memory. A batch moves one step per retrieve (``GET /v1/batches/ID``):
validating -> in_progress -> finalizing -> its plan's final state; at the end every request
line is answered through the live stub (``StubServer.answer``: the same queue and default
responder), so batch and live replies are the same for the same prompt.

Script batches with ``plan(BatchPlan(...))``, one plan per batch created (default:
completed):

- ``final="completed"``: every request answered; answers that are HTTP errors go to the
  error file.
- ``final="failed"``: validation fails (``errors.data``), no output.
- ``final="expired"``: the first ``done`` requests are answered, the rest land in the error
  file as ``batch_expired``.
- ``POST /v1/batches/ID/cancel``: cancelling -> cancelled with the first ``done`` answered.
- ``malformed=N``: N broken lines at the start of the output file.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Answer = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]
STEPS = ("validating", "in_progress", "finalizing")


@dataclass(frozen=True)
class BatchPlan:
    final: str = "completed"
    done: int | None = None  # requests answered before expiry or cancellation (default: half)
    malformed: int = 0


@dataclass
class StubBatch:
    id: str
    input_file_id: str
    endpoint: str
    metadata: dict[str, Any] | None
    plan: BatchPlan
    created_at: int
    status: str = "validating"
    step: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    counts: dict[str, int] = field(
        default_factory=lambda: {"total": 0, "completed": 0, "failed": 0}
    )
    errors: list[dict[str, Any]] | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "batch",
            "endpoint": self.endpoint,
            "input_file_id": self.input_file_id,
            "completion_window": "24h",
            "status": self.status,
            "created_at": self.created_at,
            "output_file_id": self.output_file_id,
            "error_file_id": self.error_file_id,
            "request_counts": self.counts,
            "metadata": self.metadata,
            "errors": {"object": "list", "data": self.errors} if self.errors else None,
        }


class BatchApi:
    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, StubBatch] = {}
        self.plans: deque[BatchPlan] = deque()
        self._lock = threading.Lock()
        self._ids = 0

    def plan(self, *plans: BatchPlan) -> None:
        with self._lock:
            self.plans.extend(plans)

    def _new_id(self, prefix: str) -> str:
        with self._lock:
            self._ids += 1
            return f"{prefix}-{self._ids}"

    def handle(
        self, method: str, route: str, headers: dict[str, str], payload: bytes, body: Any
    ) -> tuple[int, str]:
        parts = route.split("/")
        tail = parts[parts.index("files" if "/files" in route else "batches") :]
        if tail[0] == "files":
            return self._files(method, tail, headers, payload)
        return self._batches(method, tail, body if isinstance(body, dict) else {})

    # -- files -------------------------------------------------------------------------------

    def _files(
        self, method: str, tail: list[str], headers: dict[str, str], payload: bytes
    ) -> tuple[int, str]:
        if method == "POST" and len(tail) == 1:
            form = _multipart(headers["content-type"], payload)
            if form.get("purpose") != b"batch" or "file" not in form:
                return 400, _error("a batch file upload needs purpose=batch and a file")
            file_id = self._new_id("file")
            self.files[file_id] = form["file"]
            return 200, json.dumps(self._file_json(file_id, "batch"))
        if method == "GET" and len(tail) == 3 and tail[2] == "content":
            data = self.files.get(tail[1])
            if data is None:
                return 404, _error(f"no file {tail[1]}")
            return 200, data.decode("utf-8")
        if method == "GET" and len(tail) == 2 and tail[1] in self.files:
            return 200, json.dumps(self._file_json(tail[1], "batch"))
        return 404, _error("not found")

    def _file_json(self, file_id: str, purpose: str) -> dict[str, Any]:
        return {
            "id": file_id,
            "object": "file",
            "bytes": len(self.files[file_id]),
            "created_at": int(time.time()),
            "filename": f"{file_id}.jsonl",
            "purpose": purpose,
            "status": "processed",
        }

    # -- batches -----------------------------------------------------------------------------

    def _batches(self, method: str, tail: list[str], body: dict[str, Any]) -> tuple[int, str]:
        if method == "POST" and len(tail) == 1:
            file_id = str(body.get("input_file_id"))
            if file_id not in self.files:
                return 400, _error(f"no file {file_id}")
            with self._lock:
                plan = self.plans.popleft() if self.plans else BatchPlan()
            batch = StubBatch(
                self._new_id("batch"),
                file_id,
                str(body.get("endpoint")),
                body.get("metadata"),
                plan,
                int(time.time()),
            )
            batch.counts["total"] = len(self._lines(file_id))
            self.batches[batch.id] = batch
            return 200, json.dumps(batch.as_json())
        if method == "GET" and len(tail) == 1:
            data = [b.as_json() for b in reversed(self.batches.values())]
            return 200, json.dumps({"object": "list", "data": data, "has_more": False})
        batch = self.batches.get(tail[1]) if len(tail) > 1 else None
        if batch is None:
            return 404, _error("no such batch")
        if method == "GET" and len(tail) == 2:
            self._advance(batch)
            return 200, json.dumps(batch.as_json())
        if method == "POST" and len(tail) == 3 and tail[2] == "cancel":
            if batch.status not in ("completed", "failed", "expired", "cancelled"):
                batch.status = "cancelling"
            return 200, json.dumps(batch.as_json())
        return 404, _error("not found")

    def _lines(self, file_id: str) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.files[file_id].splitlines() if line.strip()]

    def _advance(self, batch: StubBatch) -> None:
        if batch.status == "cancelling":
            self._finish(batch, "cancelled")
            return
        if batch.status not in STEPS:
            return
        if batch.plan.final == "failed" and batch.status == "validating":
            batch.status = "failed"
            batch.errors = [{"code": "invalid_request", "message": "stub: validation failed"}]
            return
        batch.step += 1
        if batch.step < len(STEPS):
            batch.status = STEPS[batch.step]
        else:
            self._finish(batch, batch.plan.final)

    def _finish(self, batch: StubBatch, final: str) -> None:
        requests = self._lines(batch.input_file_id)
        cut = len(requests)
        if final in ("expired", "cancelled"):
            cut = batch.plan.done if batch.plan.done is not None else len(requests) // 2
        out: list[str] = ["{not json"] * batch.plan.malformed
        errors: list[str] = []
        for index, request in enumerate(requests):
            line_id = f"batch_req_{batch.id}_{index}"
            custom_id = request["custom_id"]
            if index >= cut:
                code = "batch_expired" if final == "expired" else "batch_cancelled"
                errors.append(
                    json.dumps(
                        {
                            "id": line_id,
                            "custom_id": custom_id,
                            "response": None,
                            "error": {"code": code, "message": f"stub: {final}"},
                        }
                    )
                )
                continue
            status, answer = self.answer(request["body"])
            line = json.dumps(
                {
                    "id": line_id,
                    "custom_id": custom_id,
                    "response": {"status_code": status, "request_id": line_id, "body": answer},
                    "error": None,
                }
            )
            (out if status == 200 else errors).append(line)
        batch.counts = {"total": len(requests), "completed": cut, "failed": len(errors)}
        if out:
            batch.output_file_id = self._new_id("file")
            self.files[batch.output_file_id] = ("\n".join(out) + "\n").encode()
        if errors:
            batch.error_file_id = self._new_id("file")
            self.files[batch.error_file_id] = ("\n".join(errors) + "\n").encode()
        batch.status = final


def _multipart(content_type: str, payload: bytes) -> dict[str, bytes]:
    """The fields of a multipart/form-data body, by name (split on the boundary: the
    email parser takes minutes over a 100 MB upload)."""
    boundary = content_type.split("boundary=", 1)[1].strip().strip('"').encode("latin-1")
    fields: dict[str, bytes] = {}
    for part in payload.split(b"--" + boundary):
        head, sep, data = part.partition(b"\r\n\r\n")
        if not sep:
            continue
        match = re.search(rb'name="([^"]+)"', head)
        if match:
            fields[match.group(1).decode()] = data.removesuffix(b"\r\n")
    return fields


def _error(message: str) -> str:
    return json.dumps({"error": {"message": message, "type": "invalid_request_error"}})
