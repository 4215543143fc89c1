"""Turn a model's raw reply text into validated schema-v1 claims, or say exactly what is wrong.

Models wrap JSON in code fences, add a sentence before it, return a bare list, or get one
claim wrong among ten. The policy here:

- Fences and surrounding prose are tolerated; a bare list of claims or a single claim object
  is accepted as the claims.
- Each claim is validated on its own. Valid claims are kept; invalid ones go to ``invalid``
  with their error (recorded as rejected on the run) rather than costing a re-ask of the whole
  reply. Only a reply with nothing usable (not JSON, no claims array, or every claim invalid)
  sets ``error``, which the backend sends back to the model when it re-asks.
- ``salvage`` recovers the complete claims from a reply cut off at the token limit.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from stancetrack.schemas import ReplyClaim

_FENCE = re.compile(r"^\s*```[a-zA-Z0-9_-]*\s*\n?(.*?)\n?\s*```\s*$", re.DOTALL)
_MAX_ERRORS_SHOWN = 5


@dataclass(slots=True)
class ParsedReply:
    claims: list[ReplyClaim] = field(default_factory=list)
    invalid: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    error: str | None = None  # set when nothing usable came back: re-ask with this


def strip_fences(text: str) -> str:
    match = _FENCE.match(text)
    return match.group(1) if match else text.strip()


def parse_reply(text: str) -> ParsedReply:
    """Parse and validate a complete reply."""
    body = strip_fences(text)
    try:
        data = json.loads(body)
    except json.JSONDecodeError as first_error:
        data = _embedded_object(body)
        if data is None:
            return ParsedReply(error=f"the reply is not valid JSON ({first_error})")
    return _validate(data)


def salvage(text: str) -> ParsedReply:
    """The complete claim objects at the start of a truncated ``{"claims": [...`` reply."""
    body = strip_fences(text)
    key = body.find('"claims"')
    start = body.find("[", key) if key >= 0 else body.find("[")
    if start < 0:
        return ParsedReply(error="the reply was cut off before any claim")
    decoder = json.JSONDecoder()
    items: list[Any] = []
    pos = start + 1
    while True:
        while pos < len(body) and body[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(body) or body[pos] == "]":
            break
        try:
            item, pos = decoder.raw_decode(body, pos)
        except json.JSONDecodeError:
            break  # the cut-off claim
        items.append(item)
    return _validate({"claims": items})


def _embedded_object(body: str) -> Any:
    """The outermost {...} in text that has prose around it, if that part parses."""
    start, end = body.find("{"), body.rfind("}")
    if 0 <= start < end:
        try:
            return json.loads(body[start : end + 1])
        except json.JSONDecodeError:
            return None
    return None


def _validate(data: Any) -> ParsedReply:
    if isinstance(data, list):
        items: Any = data
    elif isinstance(data, dict) and "claims" in data:
        items = data["claims"]
    elif isinstance(data, dict) and "quote" in data:
        items = [data]  # a single claim without the wrapper
    else:
        return ParsedReply(error='the reply must be a JSON object with a "claims" array')
    if items is None:
        items = []
    if not isinstance(items, list):
        return ParsedReply(error='"claims" must be an array of claim objects')

    result = ParsedReply()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            result.invalid.append(({"item": item}, f"claims[{index}] is not an object"))
            continue
        try:
            result.claims.append(ReplyClaim.model_validate(item))
        except ValidationError as exc:
            result.invalid.append((item, _describe(exc, index)))
    if result.invalid and not result.claims:
        shown = "; ".join(reason for _, reason in result.invalid[:_MAX_ERRORS_SHOWN])
        more = len(result.invalid) - _MAX_ERRORS_SHOWN
        result.error = shown + (f"; and {more} more" if more > 0 else "")
    return result


def _describe(exc: ValidationError, index: int) -> str:
    parts = []
    for problem in exc.errors(include_url=False):
        where = ".".join(str(p) for p in problem["loc"]) or "claim"
        parts.append(f"claims[{index}].{where}: {problem['msg']}")
    return "; ".join(parts)
