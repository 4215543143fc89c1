"""Scores of predicted claims against gold: claims, speakers, stance (claim and actor level).

See `matching` for how claims are paired and `speakers` for when a speaker is right.
Stance is scored only where the gold has stance labels (the project's gold): accuracy and
macro-F1 over the labels occurring in gold or predictions, on overlap-matched claims; and
per article, each gold actor's overall stance (docs/CONTRACTS.md, "Overall stance":
support/oppose/mixed/neutral/none) against the overall stance of the predicted claims whose
actor agrees with it (`absent` when there are none).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from stancetrack.analysis.stance import overall_stance
from stancetrack.evaluation.matching import match_exact, match_overlap
from stancetrack.evaluation.model import GoldDocument, PredictedClaim
from stancetrack.evaluation.speakers import _key, names_agree, speaker_correct


@dataclass(slots=True)
class PRF:
    tp: int = 0
    predicted: int = 0
    gold: int = 0
    correct_predicted: int = 0  # tp plus fragments (precision numerator)

    @property
    def precision(self) -> float:
        return self.correct_predicted / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def strict_precision(self) -> float:
        """Precision counting only one-to-one matches (fragments as errors)."""
        return self.tp / self.predicted if self.predicted else 0.0

    @property
    def strict_f1(self) -> float:
        p, r = self.strict_precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "strict_precision": round(self.strict_precision, 4),
            "strict_f1": round(self.strict_f1, 4),
            "matched": self.tp,
            "predicted": self.predicted,
            "gold": self.gold,
        }


def macro_f1(pairs: list[tuple[str, str]]) -> float:
    """Macro-F1 over the labels seen in gold or prediction (gold, predicted) pairs."""
    labels = sorted({g for g, _ in pairs} | {p for _, p in pairs})
    if not labels:
        return 0.0
    scores = []
    for label in labels:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        fp = sum(1 for g, p in pairs if g != label and p == label)
        fn = sum(1 for g, p in pairs if g == label and p != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


@dataclass(slots=True)
class Scores:
    documents: int = 0
    overlap: PRF = field(default_factory=PRF)
    exact: PRF = field(default_factory=PRF)
    fragments: int = 0
    speaker_scored: int = 0
    speaker_correct: int = 0
    # The same, split by how the article names the predicted speaker (cue|nearby|absent):
    # does the evidence status tell right speakers from wrong ones?
    speaker_scored_by_evidence: Counter[str] = field(default_factory=Counter)
    speaker_correct_by_evidence: Counter[str] = field(default_factory=Counter)
    stance_pairs: list[tuple[str, str]] = field(default_factory=list)
    actor_pairs: list[tuple[str, str]] = field(default_factory=list)
    has_stance: bool = False

    @property
    def speaker_accuracy(self) -> float:
        return self.speaker_correct / self.speaker_scored if self.speaker_scored else 0.0

    def speaker_by_evidence(self) -> dict[str, dict[str, float | int]]:
        out: dict[str, dict[str, float | int]] = {}
        for evidence, scored in sorted(self.speaker_scored_by_evidence.items()):
            correct = self.speaker_correct_by_evidence[evidence]
            out[evidence] = {
                "correct": correct,
                "scored": scored,
                "accuracy": round(correct / scored, 4),
            }
        return out

    def stance(self) -> dict[str, float | int] | None:
        if not self.has_stance:
            return None
        claim_ok = sum(1 for g, p in self.stance_pairs if g == p)
        actor_ok = sum(1 for g, p in self.actor_pairs if g == p)
        return {
            "claim_accuracy": round(claim_ok / len(self.stance_pairs), 4)
            if self.stance_pairs
            else 0.0,
            "claim_macro_f1": round(macro_f1(self.stance_pairs), 4),
            "claims_scored": len(self.stance_pairs),
            "actor_accuracy": round(actor_ok / len(self.actor_pairs), 4)
            if self.actor_pairs
            else 0.0,
            "actor_macro_f1": round(macro_f1(self.actor_pairs), 4),
            "actors_scored": len(self.actor_pairs),
        }


def score_document(scores: Scores, doc: GoldDocument, predicted: list[PredictedClaim]) -> None:
    """Add one document's counts to `scores`."""
    scores.documents += 1
    gold = doc.claims
    over = match_overlap(doc.text, predicted, gold)
    exact = match_exact(doc.text, predicted, gold)
    for prf, matching in ((scores.overlap, over), (scores.exact, exact)):
        prf.tp += len(matching.pairs)
        prf.correct_predicted += len(matching.pairs) + len(matching.fragments)
        prf.predicted += len(predicted)
        prf.gold += len(gold)
    scores.fragments += len(over.fragments)
    for pi, gi in over.pairs:
        claim, pred = gold[gi], predicted[pi]
        if claim.source is not None or claim.actor is not None:
            right = speaker_correct(doc, claim, pred)
            scores.speaker_scored += 1
            scores.speaker_correct += right
            scores.speaker_scored_by_evidence[pred.speaker_evidence] += 1
            scores.speaker_correct_by_evidence[pred.speaker_evidence] += right
        if doc.has_stance and claim.stance:
            scores.stance_pairs.append((claim.stance, pred.stance))
    if doc.has_stance:
        scores.has_stance = True
        scores.actor_pairs.extend(_actor_pairs(gold_actor_stances(doc), predicted))


def gold_actor_stances(doc: GoldDocument) -> dict[str, list[str]]:
    by_actor: dict[str, list[str]] = defaultdict(list)
    for claim in doc.claims:
        if claim.actor and claim.stance:
            by_actor[claim.actor].append(claim.stance)
    return by_actor


def _actor_pairs(
    gold: dict[str, list[str]], predicted: list[PredictedClaim]
) -> list[tuple[str, str]]:
    assigned: dict[str, list[str]] = defaultdict(list)
    actors = list(gold)
    for pred in predicted:
        exact = [a for a in actors if _key(a) == _key(pred.actor)]
        loose = exact or [a for a in actors if names_agree(pred.actor, a)]
        if loose:
            assigned[loose[0]].append(pred.stance)
    out = []
    for actor, stances in gold.items():
        predicted_label = overall_stance(assigned[actor]) if assigned[actor] else "absent"
        out.append((overall_stance(stances), predicted_label))
    return out


def stance_confusion(pairs: list[tuple[str, str]]) -> dict[str, dict[str, int]]:
    table: dict[str, Counter[str]] = defaultdict(Counter)
    for g, p in pairs:
        table[g][p] += 1
    return {g: dict(c) for g, c in sorted(table.items())}
