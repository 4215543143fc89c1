"""`report`: one self-contained, escaped HTML file whose highlights match the gold."""

from __future__ import annotations

import json
import re
from pathlib import Path

from analysis_corpus import ReportDom, counts_by_actor, gold_claims, verified
from cli_types import RunCli

pytest_plugins = ["analysis_corpus"]  # the corpus_url fixture

GOLD = gold_claims()


def _report(cli: RunCli, url: str, tmp_path: Path, *extra: str) -> str:
    out = tmp_path / "report.html"
    result = cli(["report", "--db", url, "--output", str(out), *extra])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    return out.read_text(encoding="utf-8")


def check_report_against_gold(dom: ReportDom) -> None:
    """Every gold claim highlighted in its stance's colour; the matrix equals gold counts
    (of the claims whose speaker the article names near the quote, as `compare`)."""
    assert len(dom.texts) == len({c.stem for c in GOLD})
    for c in GOLD:
        article_id = dom.titles[c.title]
        start = dom.texts[article_id].index(c.quote)
        assert dom.covered(article_id, start, start + len(c.quote), {f"st-{c.stance}", "st-multi"})
    assert len(verified(GOLD)) < len(GOLD)  # the corpus has one: a "He" with no antecedent
    expected = counts_by_actor(verified(GOLD))
    for actor, counts in expected.items():
        for stance in ("support", "oppose", "neutral", "unrelated"):
            assert dom.matrix[(actor, stance)] == counts[stance]
    assert {a for a, _ in dom.matrix} == set(expected)


def test_report_highlights_match_gold(cli: RunCli, corpus_url: str, tmp_path: Path) -> None:
    html = _report(cli, corpus_url, tmp_path)
    check_report_against_gold(ReportDom(html))
    # Self-contained: nothing is loaded from anywhere; links only as <a href>.
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)=""", html, re.I)
    assert "@import" not in html and "url(" not in html
    assert "Content-Security-Policy" in html
    assert html.count("<svg") == len({c.actor for c in GOLD})


def test_report_filters_by_actor(cli: RunCli, corpus_url: str, tmp_path: Path) -> None:
    dom = ReportDom(_report(cli, corpus_url, tmp_path, "--actor", "Orban"))
    assert {a for a, _ in dom.matrix} == {"Viktor Orban"}
    assert len(dom.texts) == len({c.stem for c in GOLD if c.actor == "Viktor Orban"})
    n = sum(len({i for m in marks for i in m[3]}) for marks in dom.marked.values())
    assert n == sum(c.actor == "Viktor Orban" for c in GOLD)


def test_report_escapes_everything(cli: RunCli, tmp_path: Path) -> None:
    evil = '<img src=x onerror="alert(1)">'
    article = tmp_path / "evil.txt"
    article.write_text(
        f"Title </title><script>alert(0)</script>\n20240101\njavascript:alert(9)\n"
        f"He said {evil} and </script><script>alert(2)</script> twice.\n",
        encoding="utf-8",
    )
    (tmp_path / "evil.json").write_text(
        json.dumps(
            {
                "claims": [
                    {
                        "speaker": "<b>Evil</b>",
                        "actor": "<b>Evil</b> & Co",
                        "actor_type": "group",
                        "quote": evil,
                        "claim": "</script><script>alert(3)</script>",
                        "attribution": "direct",
                        "rationale": "x",
                        "stance": "oppose",
                        "confidence": 0.5,
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'evil.db'}"
    result = cli(
        ["import-gold", str(tmp_path / "evil.json"), "--articles", str(article), "--db", url]
    )
    assert result.exit_code == 0, result.stderr
    html = _report(cli, url, tmp_path)
    assert "<img" not in html and "<b>Evil" not in html
    assert "alert(0)</script>" not in html
    assert html.count("<script") == 2  # our data block and our code, nothing else
    assert 'href="javascript' not in html
    dom = ReportDom(html)
    [(article_id, text)] = dom.texts.items()
    start = text.index(evil)  # shown to the reader as the literal text
    assert dom.covered(article_id, start, start + len(evil), {"st-oppose"})
    data = re.search(r'<script type="application/json" id="claims-data">(.*?)</script>', html, re.S)
    assert data is not None
    assert json.loads(data.group(1))
