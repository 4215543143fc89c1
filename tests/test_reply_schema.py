"""The wire JSON schema (sent with structured outputs) and the pydantic model agree.

`reply_json_schema()` is generated from `Reply`; these properties check both directions
with the `jsonschema` validator:

- every reply pydantic accepts, as JSON, is valid under the wire schema;
- every JSON document valid under the wire schema is accepted by pydantic, except for
  exactly the constraints strict mode cannot carry (non-blank strings, confidence in
  [0, 1]), which pydantic enforces when the reply comes back.
"""

from __future__ import annotations

from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from stancetrack.schemas import ActorType, Attribution, Reply, ReplyClaim, Stance, reply_json_schema

WIRE = reply_json_schema()
VALIDATOR = jsonschema.Draft202012Validator(WIRE)
# What pydantic enforces and the wire schema leaves out (strict mode rejects the keywords).
LEFT_TO_VALIDATION = {"string_too_short", "greater_than_equal", "less_than_equal"}


def from_schema(node: dict[str, Any]) -> st.SearchStrategy[Any]:
    """JSON documents valid under a (strict, $ref-free) schema node, built from the node."""
    if "enum" in node:
        return st.sampled_from(node["enum"])
    kind = node.get("type")
    if kind == "object":
        return st.fixed_dictionaries({k: from_schema(v) for k, v in node["properties"].items()})
    if kind == "array":
        return st.lists(from_schema(node["items"]), max_size=3)
    if kind == "string":
        return st.text(max_size=12)
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False, min_value=-2, max_value=2)
    raise AssertionError(f"the wire schema uses a node the test does not know: {node}")


non_blank = st.text(min_size=1, max_size=12).filter(lambda s: s.strip() != "")
claims = st.builds(
    ReplyClaim,
    speaker=non_blank,
    actor=non_blank,
    actor_type=st.sampled_from(list(ActorType)),
    quote=non_blank,
    claim=non_blank,
    attribution=st.sampled_from(list(Attribution)),
    rationale=st.text(max_size=12),
    stance=st.sampled_from(list(Stance)),
    confidence=st.floats(min_value=0, max_value=1),
)


def test_the_wire_schema_is_strict_mode_shaped() -> None:
    def walk(node: Any) -> None:
        if isinstance(node, dict):
            assert "$ref" not in node and "$defs" not in node
            assert not {"minLength", "minimum", "maximum", "default", "title"} & set(node)
            if node.get("type") == "object":
                assert node["additionalProperties"] is False
                assert node["required"] == list(node["properties"])
                for child in node["properties"].values():
                    walk(child)
                return
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(WIRE)
    jsonschema.Draft202012Validator.check_schema(WIRE)
    item = WIRE["properties"]["claims"]["items"]
    assert list(item["properties"]) == list(ReplyClaim.model_fields)
    assert item["properties"]["stance"]["enum"] == [s.value for s in Stance]


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.builds(Reply, claims=st.lists(claims, max_size=3)))
def test_every_pydantic_reply_is_valid_on_the_wire(reply: Reply) -> None:
    VALIDATOR.validate(reply.model_dump(mode="json"))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(from_schema(WIRE))
def test_every_wire_reply_is_valid_for_pydantic(document: dict[str, Any]) -> None:
    VALIDATOR.validate(document)  # the generator itself is right
    try:
        reply = Reply.model_validate(document)
    except ValidationError as exc:
        kinds = {e["type"] for e in exc.errors()}
        assert kinds <= LEFT_TO_VALIDATION, exc
        return
    assert len(reply.claims) == len(document["claims"])
    for parsed, sent in zip(reply.claims, document["claims"], strict=True):
        assert parsed.stance.value == sent["stance"]
        assert parsed.confidence == sent["confidence"]
        # pydantic strips Unicode White_Space, a subset of what str.strip removes
        assert parsed.quote in sent["quote"] and parsed.quote.strip() == sent["quote"].strip()


def test_the_validator_does_reject() -> None:
    """Guard for the guard: an extra or missing key or an unknown stance fails the schema."""
    good = Reply(
        claims=[
            ReplyClaim(
                speaker="a", actor="A", quote="q q", claim="c", stance="support", confidence=1
            )
        ]
    ).model_dump(mode="json")
    VALIDATOR.validate(good)
    bad = [
        {"claims": [{**good["claims"][0], "extra": 1}]},
        {"claims": [{k: v for k, v in good["claims"][0].items() if k != "rationale"}]},
        {"claims": [{**good["claims"][0], "stance": "mixed"}]},
    ]
    for document in bad:
        assert not VALIDATOR.is_valid(document)
