"""The text layer: one reading of an article's text and one word list per concept.

`index` splits an article once (paragraphs, sentences, quotation regions, capitalised name
runs, all as character offsets); `words` is the language's word lists (reporting verbs,
titles, pronouns, abbreviations, words that are no names), read from the one lexicon file;
`folding` is the one way two spellings of a name compare equal. Everything that reads text
(chunking, the rules extractor, grounding's speaker evidence, actor names) uses these; see
docs/ARCHITECTURE.md ("Layers").
"""
