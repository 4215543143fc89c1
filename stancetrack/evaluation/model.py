"""What evaluation compares: gold and predicted claims as character spans in one text."""

from __future__ import annotations

from dataclasses import dataclass, field

from stancetrack.speaker_evidence import UNKNOWN

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class GoldClaim:
    """One gold attribution. `spans` may be discontinuous (brat 'start end;start end')."""

    spans: tuple[Span, ...]
    source: str | None  # the source as written (PolNeAR Source span / project 'speaker')
    source_span: Span | None = None
    actor: str | None = None  # canonical actor (project gold only)
    stance: str | None = None  # project gold only; PolNeAR has no stance labels

    @property
    def start(self) -> int:
        return min(s for s, _ in self.spans)

    @property
    def end(self) -> int:
        return max(e for _, e in self.spans)


@dataclass(frozen=True, slots=True)
class PredictedClaim:
    span: Span
    speaker: str
    actor: str
    stance: str
    confidence: float
    # How the article names the speaker (speaker_evidence.py); unknown unless placed, as for
    # stored claims (db/read_models.ClaimOut): one default.
    speaker_evidence: str = UNKNOWN


@dataclass(slots=True)
class GoldDocument:
    doc_id: str
    text: str
    claims: list[GoldClaim]
    annotator: str | None = None
    has_stance: bool = False


@dataclass(slots=True)
class GoldSet:
    """A directory of gold documents and how it was read (said in every report)."""

    name: str
    kind: str  # "project" | "polnear"
    documents: list[GoldDocument]
    notes: list[str] = field(default_factory=list)
