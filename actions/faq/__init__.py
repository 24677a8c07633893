"""FAQ behaviour around the retrieval intent `faq` (docs/faq.md).

`selection` holds the pure decisions (which topic, is it ambiguous, was it answered just before);
`actions` turns them into Rasa SDK actions. All citizen-facing text stays in the domain: the
answers in the agency packs' `utter_faq/<topic>`, the rest in bot/domain/faq.yml.
"""
