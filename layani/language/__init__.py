"""Layani's one language layer: normalisation and Indonesian word lists for the NLU and actions.

Why one package: the NLU's normaliser and the action server's text helpers used to carry their
own slang tables, yes/no vocabularies and question words, and they disagreed ("bgt" was
"sekali" in one and "banget" in the other). Both now read the same data files
(`layani/language/data/*.txt`, each with its source and licence) through this package.

- `normalise`: token normaliser (colloquial/SMS/regional -> standard Indonesian).
- `vocabulary`: named word lists (`word_set("reply_yes")`, `word_tuple("emergency_terms")`).
"""
