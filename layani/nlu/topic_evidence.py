"""Rasa component that sends an FAQ answer without any word of its topic to `nlu_fallback`.

Why: DIET and the ResponseSelector learn the *shape* of a public-service question as much as its
content. "Bagaimana cara merawat tanaman anggrek?" or "artis yang baru nikah siapa aja" look like
the 1,700 FAQ questions they were trained on, so they came back as `faq/pbg` or `faq/sim_baru`
with confidence 1.0, and no confidence threshold separates them (measured: docs/nlu.md). What
the real questions of a topic always share is at least one of its content words: "anggrek" is
not a word of any building-permit question.

How: at training time the component counts, per FAQ topic, the normalised words of its training
examples, and the words of the `out_of_scope` examples. A topic's *evidence* is its words that
are not Indonesian function words (spaCy's `id` stop-word list), that occur in more of the
topic's examples than of the out-of-scope ones ("harga", "beli" do not prove a tax question),
and that are not spread over more than half of all topics ("syarat", "biaya", "online" are
the vocabulary of every service question, not of one; `max_topic_share`, applied only beyond
ten topics so that a small pack keeps its agency's words). At
parse time an FAQ prediction stands when the message has one evidence word of the predicted
topic, or a word it does not know at all that is a close spelling of one (difflib ratio >=
`similarity`: "pasport", "skck-nya"). A known word is never stretched to a neighbour ("tanaman"
is not a typo of "tanah"). Otherwise the intent becomes `nlu_fallback`, so the citizen is asked
to rephrase instead of receiving an unrelated answer. The same happens when the ResponseSelector
cannot pick a topic with at least `min_topic_confidence` (0.15; among 40+ topics a flat choice)
*and* the message has no distinctive word of that topic. A word is distinctive when it is
evidence for at most `distinctive_topics` topics (3): "halal", "hll", "sertifikat" point at one
service, "syarat", "umur" or "d" do not. Heavily abbreviated SMS ("dftr hll grts gmn") leaves the
selector flat although the one word that matters is there; out-of-scope messages that reach a
flat choice hold at best a generic word ("bayi umur 6 bulan ...").

A follow-up ("biayanya berapa?") is about the topic just answered, so `faq_followup` carries no
topic. When a message classified as a follow-up names a service itself ("no ambulan brp": a
distinctive word of the topic the selector picks with at least `followup_min_confidence`), it is
a new question: the intent becomes `faq`, so the citizen who opens with it gets the answer, not
"which service do you mean?". The FAQ answer action still gives the focused aspect answer when
that topic was answered just before (actions/faq/actions.py).

The opposite doubt: DIET is unsure (the FallbackClassifier made the message `nlu_fallback`)
while the ResponseSelector, trained on the FAQ questions alone, picks one topic with at least
`rescue_min_confidence` (0.6) and the message holds evidence for it. Regional and code-mixed
questions do this: "hoyong ngurus akte lahir pun anak" has words DIET never saw next to the
service words, so no intent reaches 0.4, yet the selector is 0.97 sure of the birth certificate.
Then the intent becomes `faq`: an answer about the service the citizen named is more useful than
"Maaf, saya belum mengerti". Measured on the stored parses of the held-out sets: out-of-scope
messages sent to fallback never had a topic above 0.41 (most below 0.3).

A question about a service that can also be applied for in the chat ("ngurus surat keterangan
domisili butuh apa aja sih", "srt domisili bkin dmn") is read by DIET as `start_application`
as often as `faq`: the application examples name the same letters. The citizen asked a
question, so when a `question_intents` message has a question word (or ends with "?") and the
selector is sure of a topic with its evidence (`question_min_confidence`, 0.6), the intent
becomes `faq`; the answer then offers the chat application for that service
(actions/faq/actions.py), so a citizen who did want to apply is one tap away. "mau bikin surat
domisili" has no question word and still starts the form.

Placed after the ResponseSelector and FallbackClassifier in config.yml.
Config: `retrieval_intent` (default "faq"), `out_of_scope_intent`, `followup_intent` (default
"faq_followup"), `similarity` (default 0.85), `max_topic_share` (default 0.5),
`min_topic_confidence` (default 0.15), `distinctive_topics` (default 3),
`followup_min_confidence` (default 0.5), `rescue_min_confidence` (default 0.6),
`question_intents` (default ["start_application"]), `question_min_confidence` (default 0.6).
"""

from __future__ import annotations

import difflib
from collections import Counter, defaultdict
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import RESPONSE_SELECTOR_PROPERTY_NAME
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RESPONSE_KEY, RESPONSE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.lang.id.stop_words import STOP_WORDS

from layani.language.vocabulary import word_set, word_tuple
from layani.nlu.stored_component import JsonStoredComponent
from layani.nlu.vocabulary_guard import message_words, send_to_fallback, set_intent


def selected_topic(message: Message, retrieval_intent: str) -> tuple[str | None, float]:
    """The ResponseSelector's chosen `faq/<id>` and its confidence (the processor copies the
    topic into the intent later)."""
    selector = (message.get(RESPONSE_SELECTOR_PROPERTY_NAME) or {}).get(retrieval_intent) or {}
    response = selector.get(RESPONSE) or {}
    return response.get(INTENT_RESPONSE_KEY), float(response.get("confidence", 1.0))


def has_letter(token_text: str) -> bool:
    """Words and letter-digit codes ("ak1", "5thn") can be evidence; pure numbers cannot."""
    return any(ch.isalpha() for ch in token_text)


MIN_SPREAD_LIMIT = 10


def topic_evidence(
    examples_by_topic: dict[str, list[set[str]]],
    out_of_scope: list[set[str]],
    max_topic_share: float = 0.5,
) -> dict[str, set[str]]:
    """Evidence words per topic from the word sets of its training examples (see module doc)."""
    oos_counts = Counter(word for words in out_of_scope for word in words)
    topic_counts = {
        topic: Counter(word for words in examples for word in words)
        for topic, examples in examples_by_topic.items()
    }
    spread = Counter(word for counts in topic_counts.values() for word in counts)
    # A small pack's topics share their agency's words ("pdam", "tagihan"): the spread rule is
    # for large catalogues only, never below MIN_SPREAD_LIMIT topics.
    max_topics = max(MIN_SPREAD_LIMIT, int(max_topic_share * len(topic_counts)))
    return {
        topic: {
            word
            for word, count in counts.items()
            if word not in STOP_WORDS
            and oos_counts.get(word, 0) < count
            and spread[word] <= max_topics
        }
        for topic, counts in topic_counts.items()
    }


CLITICS = word_tuple("clitics")

# Words (after normalisation) that make a message a request for information: "syaratnya apa",
# "bikin di mana", "biayanya berapa". A message that only states what the citizen wants
# ("mau bikin surat domisili") has none of them.
QUESTION_WORDS = word_set("question_words")


# A closing "gak"/"nggak"/"ndak" (normalised to "tidak") is the colloquial yes/no question tag:
# "bisa minta surat domisili gak", "bayar ga".
QUESTION_TAG = "tidak"


def is_question(text: str, words: list[str]) -> bool:
    """True for a message that asks something: a question word, a closing question mark or a
    closing question tag."""
    return (
        text.rstrip().endswith("?")
        or (bool(words) and words[-1] == QUESTION_TAG)
        or any(form in QUESTION_WORDS for word in words for form in word_forms(word))
    )


def word_forms(word: str) -> list[str]:
    """The word, and the word without an enclitic written onto it ("skcknya" -> "skck")."""
    forms = [word]
    for clitic in CLITICS:
        if word.endswith(clitic) and len(word) - len(clitic) >= 2:
            forms.append(word[: -len(clitic)])
    return forms


class TopicEvidence:
    """The evidence tests for one parsed message."""

    def __init__(
        self,
        evidence: dict[str, set[str]],
        vocabulary: set[str],
        similarity: float = 0.85,
        distinctive_topics: int = 3,
    ) -> None:
        self.evidence = evidence
        self.vocabulary = vocabulary
        self._similarity = similarity
        spread = Counter(word for words in evidence.values() for word in words)
        self.distinctive = {
            topic: {word for word in words if spread[word] <= distinctive_topics}
            for topic, words in evidence.items()
        }

    def supports(self, topic: str, words: list[str]) -> bool:
        """True when `words` hold evidence for `topic` (or the topic is unknown to the guard)."""
        topic_words = self.evidence.get(topic)
        if topic_words is None:
            return True
        for word in words:
            for form in word_forms(word):
                if form in topic_words:
                    return True
                if len(form) >= 4 and form not in self.vocabulary:
                    if difflib.get_close_matches(form, topic_words, n=1, cutoff=self._similarity):
                        return True
        return False

    def names(self, topic: str, words: list[str]) -> bool:
        """True when `words` hold a distinctive word of `topic` as written in training (no
        close spellings: this test overrides the selector's doubt, so it is the stricter one;
        "rusake" must not stand for "rusak")."""
        distinctive = self.distinctive.get(topic) or set()
        return any(form in distinctive for word in words for form in word_forms(word))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TopicEvidenceGuard(JsonStoredComponent):
    """FAQ answers need a word of their topic (`layani.nlu.topic_evidence.TopicEvidenceGuard`)."""

    STORE_FILE = "topic_evidence.json"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "retrieval_intent": "faq",
            "out_of_scope_intent": "out_of_scope",
            "similarity": 0.85,
            "max_topic_share": 0.5,
            "min_topic_confidence": 0.15,
            "distinctive_topics": 3,
            "followup_intent": "faq_followup",
            "followup_min_confidence": 0.5,
            "rescue_min_confidence": 0.6,
            "question_intents": ["start_application"],
            "question_min_confidence": 0.6,
        }

    def restore(self, state: dict[str, Any] | None) -> None:
        if state is None:
            self._evidence = None
            return
        self._evidence = TopicEvidence(
            {topic: set(words) for topic, words in state["evidence"].items()},
            set(state["vocabulary"]),
            float(self._config["similarity"]),
            int(self._config["distinctive_topics"]),
        )

    def train(self, training_data: TrainingData) -> Resource:
        by_topic: dict[str, list[set[str]]] = defaultdict(list)
        out_of_scope: list[set[str]] = []
        vocabulary: set[str] = set()
        for message in training_data.training_examples:
            words = set(message_words(message, keep=has_letter))
            vocabulary |= words
            key = message.get(INTENT_RESPONSE_KEY)
            if message.get(INTENT) == self._config["retrieval_intent"] and key:
                by_topic[key].append(words)
            elif message.get(INTENT) == self._config["out_of_scope_intent"]:
                out_of_scope.append(words)
        share = float(self._config["max_topic_share"])
        evidence = topic_evidence(by_topic, out_of_scope, share)
        return self.persist(
            {
                "evidence": {topic: sorted(words) for topic, words in evidence.items()},
                "vocabulary": sorted(vocabulary),
            }
        )

    def process(self, messages: list[Message]) -> list[Message]:
        if self._evidence is None:
            return messages  # untrained: never guess
        faq = self._config["retrieval_intent"]
        handled = {
            faq,
            DEFAULT_NLU_FALLBACK_INTENT_NAME,
            self._config["followup_intent"],
            *self._config["question_intents"],
        }
        for message in messages:
            name = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if name not in handled:
                continue  # greet, cancel, ...: no topic question to settle
            topic, confidence = selected_topic(message, faq)
            if topic is None:
                continue
            words = message_words(message, keep=has_letter)
            if name == faq:
                if not self._faq_stands(topic, confidence, words):
                    send_to_fallback(message)
            elif name == DEFAULT_NLU_FALLBACK_INTENT_NAME:
                if self._sure_of(topic, confidence, "rescue_min_confidence", words):
                    set_intent(message, faq, confidence)  # the selector is sure: answer it
            elif name == self._config["followup_intent"]:
                if confidence >= float(
                    self._config["followup_min_confidence"]
                ) and self._evidence.names(topic, words):
                    set_intent(message, faq)  # names its own service: a new question
            elif name in self._config["question_intents"]:
                if is_question(message.get(TEXT) or "", words) and self._sure_of(
                    topic, confidence, "question_min_confidence", words
                ):
                    set_intent(message, faq)  # asks about the service: answer, then offer
        return messages

    def _faq_stands(self, topic: str, confidence: float, words: list[str]) -> bool:
        flat = confidence < float(self._config["min_topic_confidence"])
        return self._evidence.supports(topic, words) and (
            not flat or self._evidence.names(topic, words)
        )

    def _sure_of(self, topic: str, confidence: float, key: str, words: list[str]) -> bool:
        return confidence >= float(self._config[key]) and self._evidence.supports(topic, words)
