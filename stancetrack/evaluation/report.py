"""Evaluation results as table rows for people (JSON comes from `EvalResult.as_dict`)."""

from __future__ import annotations

from stancetrack.evaluation.runner import EvalResult


def _pct(value: float) -> str:
    return f"{value:.3f}"


def table_rows(result: EvalResult) -> list[dict[str, str]]:
    s = result.scores
    rows = []
    for name, prf in (("claims (overlap)", s.overlap), ("claims (exact)", s.exact)):
        rows.append(
            {
                "metric": name,
                "precision": _pct(prf.precision),
                "recall": _pct(prf.recall),
                "f1": _pct(prf.f1),
                "n": f"{prf.tp} matched, {prf.predicted} pred, {prf.gold} gold",
            }
        )
    rows.append(
        {
            "metric": "speaker accuracy",
            "precision": "",
            "recall": "",
            "f1": _pct(s.speaker_accuracy),
            "n": f"{s.speaker_correct} of {s.speaker_scored} matched with a source",
        }
    )
    ev = result.speaker_evidence
    rows.append(
        {
            "metric": "speaker evidence",
            "precision": "",
            "recall": "",
            "f1": "",
            "n": ", ".join(f"{k} {ev.get(k, 0)}" for k in ("cue", "nearby", "absent")),
        }
    )
    stance = s.stance()
    if stance is not None:
        rows.append(
            {
                "metric": "stance (claims)",
                "precision": "",
                "recall": "",
                "f1": f"acc {stance['claim_accuracy']:.3f} mF1 {stance['claim_macro_f1']:.3f}",
                "n": f"{stance['claims_scored']} matched",
            }
        )
        rows.append(
            {
                "metric": "stance (actors)",
                "precision": "",
                "recall": "",
                "f1": f"acc {stance['actor_accuracy']:.3f} mF1 {stance['actor_macro_f1']:.3f}",
                "n": f"{stance['actors_scored']} actor-article pairs",
            }
        )
    if s.fragments:
        rows.insert(
            1,
            {
                "metric": "claims (overlap, strict)",
                "precision": _pct(s.overlap.strict_precision),
                "recall": _pct(s.overlap.recall),
                "f1": _pct(s.overlap.strict_f1),
                "n": f"{s.fragments} fragments counted as errors",
            },
        )
    return rows


TABLE_COLUMNS = [
    ("metric", "metric"),
    ("precision", "P"),
    ("recall", "R"),
    ("f1", "F1 / accuracy"),
    ("n", "counts"),
]
