"""The offline rules backend: attributed claims and stance without a model or network.

Word lists live in `prompts/rules/` (see its README for the rules); the code here reads
the article's layout, finds reporting cues and quotations, resolves speakers and applies
the stance lexicon.
"""

from stancetrack.llm.rules.backend import MODEL, RulesBackend
from stancetrack.llm.rules.extractor import RuleClaim, extract_claims
from stancetrack.llm.rules.lexicon import Lexicon, default_lexicon

__all__ = ["MODEL", "Lexicon", "RuleClaim", "RulesBackend", "default_lexicon", "extract_claims"]
