"""The actor registry: name keys, resolution in article context, and users' fixes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_types import RunCli
from sqlalchemy.orm import Session

from stancetrack.actors import fold, full_names_in, is_variant_of, loose_key, name_key
from stancetrack.db import Database
from stancetrack.db.models import Actor, ActorAlias, Article
from stancetrack.db.repository.actors import (
    ActorResolver,
    find_actor,
    resolve_actor,
)
from stancetrack.errors import AmbiguousError, NotFoundError

# -- pure name functions -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("mention", "key"),
    [
        ("Russian President Vladimir Putin", "vladimir putin"),
        ("Kremlin spokesman Dmitry Peskov", "dmitry peskov"),
        ("NATO Secretary-General Jens Stoltenberg", "jens stoltenberg"),
        ("Recep Tayyip Erdoğan", "recep tayyip erdogan"),
        ("Sauli Niinistö", "sauli niinisto"),
        ("U.S. Secretary of State Antony Blinken", "antony blinken"),
        ("VIKTOR ORBÁN", "viktor orban"),
    ],
)
def test_name_key_folds_case_diacritics_titles(mention: str, key: str) -> None:
    assert name_key(mention) == key


def test_institutions_keep_their_whole_name() -> None:
    assert name_key("Russian Foreign Ministry") != name_key("Finnish Foreign Ministry")
    assert name_key("Hungarian government") == "hungarian government"
    assert name_key("The White House") == "white house"
    assert fold("Orban’s government") == "orban government"


def test_loose_key_forgives_transliteration_only() -> None:
    assert loose_key("volodymyr zelenskiy") == loose_key("volodymyr zelenskyy")
    assert loose_key("sergei lavrov") == loose_key("sergey lavrov")
    assert loose_key("anthony blinken") == loose_key("antony blinken")
    assert loose_key("mark johnston") != loose_key("mark johnson")
    assert loose_key("boris johnson") != loose_key("mark johnson")


def test_variants_are_shorter_forms_with_the_surname() -> None:
    assert is_variant_of("putin", "vladimir putin")
    assert is_variant_of("zelenskiy", "volodymyr zelenskyy")
    assert not is_variant_of("vladimir", "vladimir putin")
    assert not is_variant_of("ned price", "antony blinken")


def test_full_names_in_text() -> None:
    text = (
        "Talks ended in Helsinki. Johnson said little. Analyst Mark Johnson, a fellow, "
        "disagreed. On Tuesday Johnson added more. Prime Minister Viktor Orban’s office..."
    )
    assert full_names_in(text, "johnson") == {"mark johnson": "Mark Johnson"}
    assert full_names_in(text, "orban") == {"viktor orban": "Viktor Orban"}
    assert full_names_in("Boris Johnson met Mark Johnson.", "johnson").keys() == {
        "boris johnson",
        "mark johnson",
    }


# -- resolution on a real database --------------------------------------------------------


def _article(session: Session, text: str, n: int) -> Article:
    article = Article(
        sha256=f"{n:064x}",
        title=f"t{n}",
        url=None,
        published=None,
        source=f"s{n}",
        format="seed",
        text=text,
        chars=len(text),
    )
    session.add(article)
    session.flush()
    return article


def test_surname_resolves_within_its_article_and_johnsons_stay_apart(database: Database) -> None:
    with database.session() as s:
        a1 = _article(s, "Prime Minister Boris Johnson visited Kyiv. Johnson said sanctions.", 1)
        a2 = _article(s, "Mark Johnson, a senior fellow, said so. Johnson noted more.", 2)
        boris = resolve_actor(
            s, "Boris Johnson", "Prime Minister Boris Johnson", "person", article_id=a1.id
        )
        # The model gave only the surname in the second article: the article names Mark.
        mark = ActorResolver(s, a2.id).resolve("Johnson", "Johnson", "person")
        assert mark.name == "Mark Johnson" and mark.id != boris.id
        again = ActorResolver(s, a1.id).resolve("Johnson", "he", "person")
        assert again.id == boris.id
        with pytest.raises(AmbiguousError):
            find_actor(s, "johnson ")
        # Without context, a bare surname two people answer to creates no false merge.
        bare = resolve_actor(s, "Johnson", "Johnson", "person")
        assert bare.id not in (boris.id, mark.id)
        assert find_actor(s, "JOHNSON").id == bare.id  # an exact canonical name wins


def test_cross_article_merges_only_when_unambiguous(database: Database) -> None:
    with database.session() as s:
        a1 = _article(s, "Russian President Vladimir Putin spoke.", 1)
        a2 = _article(s, "Putin said more. Volodymyr Zelenskiy replied.", 2)
        putin = resolve_actor(
            s, "Vladimir Putin", "Russian President Vladimir Putin", "person", article_id=a1.id
        )
        zel = resolve_actor(s, "Volodymyr Zelenskyy", "Zelenskyy", "person", article_id=a1.id)
        r = ActorResolver(s, a2.id)
        assert r.resolve("Putin", "Putin", "person").id == putin.id
        assert r.resolve("Vladimir Putin", "He", "person").id == putin.id
        assert r.resolve("Volodymyr Zelenskiy", "Zelenskiy", "person").id == zel.id
        assert r.resolve("Президент", "", "person").id != putin.id
        assert resolve_actor(s, "Russian Foreign Ministry", "", "government").id != (
            resolve_actor(s, "Finnish Foreign Ministry", "", "government").id
        )
        names = {a.alias for a in s.query(ActorAlias).filter_by(actor_id=putin.id)}
        assert "Putin" in names
        assert "He" not in names and "he" not in names


def test_descriptive_speakers_are_not_aliases(database: Database) -> None:
    with database.session() as s:
        blinken = resolve_actor(
            s, "Antony Blinken", "State Department spokesman Ned Price", "person"
        )
        aliases = {a.key for a in s.query(ActorAlias).filter_by(actor_id=blinken.id)}
        assert aliases == {"antony blinken"}
        with pytest.raises(NotFoundError) as miss:
            find_actor(s, "Ned Price")
        assert "closest" in str(miss.value) or "no actor" in str(miss.value)


# -- users' fixes through the CLI, respected by later extractions -------------------------------


def _gold(tmp_path: Path, stem: str, day: str, body: str, claims: list[dict[str, str]]) -> None:
    (tmp_path / f"{stem}.txt").write_text(
        f"Title {stem}\n{day}\nhttps://e.com/{stem}\n{body}\n", encoding="utf-8"
    )
    full = [
        {
            "actor_type": "person",
            "claim": f"claim {i}",
            "attribution": "direct",
            "rationale": "r",
            "stance": "support",
            "confidence": 0.9,
            **c,
        }
        for i, c in enumerate(claims)
    ]
    (tmp_path / f"{stem}.json").write_text(json.dumps({"claims": full}), encoding="utf-8")


def _import(cli: RunCli, tmp_path: Path, db_url: str, stem: str) -> None:
    result = cli(
        [
            "import-gold",
            str(tmp_path / f"{stem}.json"),
            "--articles",
            str(tmp_path / f"{stem}.txt"),
            "--db",
            db_url,
        ]
    )
    assert result.exit_code == 0, result.stderr


def _actors(cli: RunCli, db_url: str) -> dict[str, dict[str, object]]:
    result = cli(["actors", "--db", db_url, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return {row["actor"]: row for row in json.loads(result.stdout)}


def test_merge_alias_rename_are_respected_later(cli: RunCli, db_url: str, tmp_path: Path) -> None:
    _gold(
        tmp_path,
        "a1",
        "20230101",
        "President Zelensky said yes. The Kremlin said no.",
        [
            {"speaker": "President Zelensky", "actor": "Zelensky", "quote": "said yes"},
            {"speaker": "The Kremlin", "actor": "Kremlin", "quote": "said no"},
        ],
    )
    _import(cli, tmp_path, db_url, "a1")
    assert set(_actors(cli, db_url)) == {"Zelensky", "Kremlin"}

    # The model invented a bare "Zelensky": fold it into the full name (a new actor here).
    _gold(
        tmp_path,
        "a2",
        "20230201",
        "Volodymyr Zelenskyy spoke again.",
        [
            {
                "speaker": "Volodymyr Zelenskyy",
                "actor": "Volodymyr Zelenskyy",
                "quote": "spoke again",
            },
        ],
    )
    _import(cli, tmp_path, db_url, "a2")
    listed = _actors(cli, db_url)
    assert "Volodymyr Zelenskyy" in listed
    merged = cli(["actors", "merge", "Zelensky", "Volodymyr Zelenskyy", "--db", db_url])
    assert merged.exit_code == 0, merged.stderr
    listed = _actors(cli, db_url)
    assert "Zelensky" not in listed and listed["Volodymyr Zelenskyy"]["claims"] == 2
    assert "Zelensky" in listed["Volodymyr Zelenskyy"]["aliases"]

    # Rename and alias; then a later extraction uses the old names and gets the fixes.
    assert cli(["actors", "rename", "Kremlin", "Dmitry Peskov", "--db", db_url]).exit_code == 0
    assert (
        cli(["actors", "alias", "add", "Peskov", "Putin's spokesman", "--db", db_url]).exit_code
        == 0
    )
    _gold(
        tmp_path,
        "a3",
        "20230301",
        # Quotes of 2+ words: gold is grounded by extract's rule (one-word quotes are rejected).
        "Zelensky insisted on it. Kremlin refused to talk. The spokesman sighed loudly.",
        [
            {"speaker": "Zelensky", "actor": "Zelensky", "quote": "insisted on it"},
            {"speaker": "Kremlin", "actor": "Kremlin", "quote": "refused to talk"},
            {"speaker": "The spokesman", "actor": "Putin's spokesman", "quote": "sighed loudly"},
        ],
    )
    _import(cli, tmp_path, db_url, "a3")
    listed = _actors(cli, db_url)
    assert set(listed) == {"Volodymyr Zelenskyy", "Dmitry Peskov"}
    assert listed["Volodymyr Zelenskyy"]["claims"] == 3
    assert listed["Dmitry Peskov"]["claims"] == 3
    assert "Kremlin" in listed["Dmitry Peskov"]["user_aliases"]

    # Renaming onto an existing name points to merge instead; unknown names suggest.
    clash = cli(["actors", "rename", "Peskov", "Volodymyr Zelenskyy", "--db", db_url])
    assert clash.exit_code == 2 and "merge" in clash.stderr
    miss = cli(["actors", "merge", "Zelenskyyy", "Peskov", "--db", db_url])
    assert miss.exit_code == 1 and "Zelensky" in miss.stderr
    removed = cli(["actors", "alias", "remove", "Peskov", "Putin's spokesman", "--db", db_url])
    assert removed.exit_code == 0, removed.stderr
    assert "Putin's spokesman" not in _actors(cli, db_url)["Dmitry Peskov"]["aliases"]


def test_merge_drops_duplicate_spans(database: Database) -> None:
    from stancetrack.db.models import Claim, Run
    from stancetrack.db.repository.actors import merge_actors

    with database.session() as s:
        art = _article(s, "x said y", 1)
        run = Run(
            article_id=art.id,
            cache_key="k",
            backend="gold",
            model="m",
            prompt_name="p",
            prompt_version="1",
            prompt_sha256="s",
            target="t",
            params={},
            status="ok",
        )
        s.add(run)
        s.flush()
        a, b = Actor(name="A", key="a"), Actor(name="B", key="b")
        s.add_all([a, b])
        s.flush()
        for actor in (a, b):
            s.add(
                Claim(
                    article_id=art.id,
                    run_id=run.id,
                    target=run.target,
                    actor_id=actor.id,
                    speaker="x",
                    quote="x",
                    start=0,
                    end=1,
                    claim="c",
                    attribution="direct",
                    stance="support",
                    confidence=1.0,
                    rationale="",
                    alignment="exact",
                )
            )
        s.flush()
        assert merge_actors(s, a, b) == 0
        assert s.query(Claim).count() == 1
