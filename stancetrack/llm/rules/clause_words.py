"""Closed word classes the attribution passes share: what opens a sentence, an adjunct or
a non-clause, and what closes a phrase. Grammar, not topic, so they stay in code."""

from __future__ import annotations

INTENTION = 0.7  # strength of an intention cue ('wants to', 'plans to')

# Prepositions that open a phrase of time or place ('in Brussels', 'after the vote').
SETTING = ("in", "on", "at", "during", "after", "before")
# Words that open a sentence with an introductory phrase, not its subject.
INTRO = frozenset(
    {
        *SETTING,
        "speaking",
        "asked",
        "earlier",
        "later",
        "last",
        "meanwhile",
        "but",
        "and",
        "separately",
        "also",
        "when",
        "while",
        "since",
        "as",
        "for",
        "with",
        "from",
        "to",
        "by",
        "under",
        "over",
        "yet",
        "still",
        "then",
        "now",
    }
)
CLOSERS = frozenset({",", ".", ";", ":", ")", "—", "–", "?", "!", '"', "”", "-", "―"})
# Words that start an adjunct after a reporting verb, not a reported clause.
ADJUNCT_STARTS = frozenset(
    {
        *SETTING,
        "while",
        "as",
        "when",
        "who",
        "which",
        "according",
        "last",
        "this",
        "earlier",
        "later",
        "to",
        "from",
        "with",
        "of",
        "about",
        "via",
        "through",
        "outside",
        "inside",
        "into",
        "recently",
        "afterward",
        "afterwards",
        "again",
        "also",
        "then",
        "too",
        "repeatedly",
        "over",
        "under",
        "by",
        "for",
        "and",
        "but",
        "because",
        "since",
        "until",
        "if",
        "tonight",
        "yesterday",
        "today",
        "here",
        "there",
        "now",
        "once",
        "quietly",
        "simply",
        "flatly",
        "bluntly",
    }
)
# A form of 'be' before an -ing verb makes it finite ('is confirming that', 'are slamming'),
# with these adverbs allowed between ('is also encouraging').
BE_FORMS = frozenset({"is", "are", "was", "were", "am", "been", "be"})
ASPECT_ADVERBS = frozenset({"also", "now", "still", "again", "once", "repeatedly", "increasingly"})
OPENERS = frozenset({"but", "and", "even", "so", "yet", "also", "meanwhile", "still"})
# Auxiliaries: after a cue they make a relative clause, not a reported one.
NOT_CLAUSE = frozenset(
    {
        "was",
        "is",
        "were",
        "are",
        "would",
        "will",
        "had",
        "has",
        "could",
        "should",
        "might",
        "may",
        "must",
        "can",
        "did",
        "does",
        "do",
        "been",
        "be",
    }
)
WEEKDAYS = frozenset(
    {
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "yesterday",
        "today",
        "tonight",
    }
)
