"""`layani pack eval <agency>`: would the assistant tell this agency's topics apart?

Cross-validation over every pack's examples (and the common intents, which FAQ questions can be
mistaken for): each example is predicted by a model trained without it (stratified k-fold).
For the agency we report each topic's held-out accuracy and the topic pairs where at least
`threshold` of a topic's held-out examples went to the other one, in either direction; plus
near-duplicate examples shared with other packs (a looser similarity than lint's).

Why not the full Rasa pipeline: training DIET + ResponseSelector k times on the whole bot takes
tens of minutes on 2 cores. The model here is a linear SVM on the same features the project
pipeline starts from (word counts + char_wb 2-5 grams, `config.yml`); it runs in seconds and
its confusions are the ones DIET tends to make too, because both see the same n-grams. Final
numbers for a release come from `make eval` on held-out sets (docs/nlu.md).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from layani.paths import AGENCIES_DIR, COMMON_NLU_DIR
from tooling.packtool.model import Example, load_packs
from tooling.packtool.similarity import find_collisions, normalise

EVAL_NEAR_THRESHOLD = 0.8


@dataclass
class TopicScore:
    topic: str
    examples: int
    correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.examples if self.examples else 0.0


@dataclass
class Confusion:
    """`share` of `source`'s held-out examples were predicted as `target`."""

    source: str
    target: str
    share: float
    count: int
    samples: list[str] = field(default_factory=list)


@dataclass
class EvalReport:
    agency: str
    folds: int
    examples: int
    labels: int
    seconds: float
    topics: list[TopicScore]
    collisions: list[Confusion]
    duplicates: list[tuple[Example, Example, float]]


def _label(agency: str, topic: str) -> str:
    return f"{agency}:faq/{topic}"


def _common_examples(common_dir: Path) -> list[tuple[str, str]]:
    """(text, label) of the common NLU intents, read with Rasa's own YAML reader."""
    from rasa.shared.nlu.training_data.loading import load_data

    pairs = []
    files = sorted(common_dir.rglob("*.yml")) if common_dir.is_dir() else []
    for path in files:
        data = load_data(str(path))
        for message in data.intent_examples:
            pairs.append((message.get("text"), f"common:{message.get('intent')}"))
    return pairs


def _pipeline():
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC

    return make_pipeline(
        make_union(
            CountVectorizer(preprocessor=normalise),
            CountVectorizer(preprocessor=normalise, analyzer="char_wb", ngram_range=(2, 5)),
        ),
        LinearSVC(C=0.5, class_weight="balanced", max_iter=5000),
    )


def evaluate(
    agency: str,
    agencies_dir: Path = AGENCIES_DIR,
    folds: int = 5,
    threshold: float = 0.1,
    common_dir: Path = COMMON_NLU_DIR,
    seed: int = 0,
) -> EvalReport:
    from sklearn.model_selection import StratifiedKFold

    started = time.monotonic()
    packs = load_packs(None, agencies_dir)
    if agency not in {p.agency for p in packs}:
        raise ValueError(f"pack '{agency}' does not exist in {agencies_dir}")
    examples = [ex for pack in packs for ex in pack.examples()]
    texts = [ex.text for ex in examples] + [t for t, _ in _common_examples(common_dir)]
    labels = [_label(ex.agency, ex.topic) for ex in examples] + [
        lab for _, lab in _common_examples(common_dir)
    ]
    counts = Counter(labels)
    # Stratified folds need every label at least `folds` times; rarer labels stay in training.
    usable = [i for i, lab in enumerate(labels) if counts[lab] >= folds]
    always_train = [i for i, lab in enumerate(labels) if counts[lab] < folds]
    predicted: dict[int, str] = {}
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(
        [texts[i] for i in usable], [labels[i] for i in usable]
    ):
        train = [usable[i] for i in train_idx] + always_train
        model = _pipeline().fit([texts[i] for i in train], [labels[i] for i in train])
        test = [usable[i] for i in test_idx]
        for index, guess in zip(test, model.predict([texts[i] for i in test]), strict=True):
            predicted[index] = guess

    mine = {_label(agency, t) for p in packs if p.agency == agency for t in p.topics}
    outcomes: dict[str, Counter] = defaultdict(Counter)
    samples: dict[tuple[str, str], list[str]] = defaultdict(list)
    for index, guess in predicted.items():
        outcomes[labels[index]][guess] += 1
        if guess != labels[index] and (labels[index] in mine or guess in mine):
            samples[(labels[index], guess)].append(texts[index])

    scores = [
        TopicScore(lab.split("faq/", 1)[1], sum(outcomes[lab].values()), outcomes[lab][lab])
        for lab in sorted(mine)
    ]
    collisions = []
    for source, outcome in outcomes.items():
        total = sum(outcome.values())
        for target, count in outcome.items():
            if target == source or not (source in mine or target in mine):
                continue
            if count / total >= threshold:
                collisions.append(
                    Confusion(source, target, count / total, count, samples[(source, target)][:3])
                )
    collisions.sort(key=lambda c: -c.share)
    duplicates = [
        (hit.first, hit.second, hit.score)
        for hit in find_collisions(examples, EVAL_NEAR_THRESHOLD)
        if agency in (hit.first.agency, hit.second.agency)
    ]
    return EvalReport(
        agency,
        folds,
        len(predicted),
        len(counts),
        time.monotonic() - started,
        scores,
        collisions,
        duplicates,
    )


def render(report: EvalReport) -> str:
    lines = [
        f"Pack '{report.agency}': {report.folds}-fold cross-validation over {report.examples} "
        f"examples, {report.labels} intents/topics of all packs ({report.seconds:.1f} s)",
        "",
        "Held-out accuracy per topic:",
    ]
    for score in report.topics:
        flag = "" if score.accuracy >= 0.8 else "   <- add clearer examples"
        lines.append(
            f"  faq/{score.topic:<32} {score.correct:>3}/{score.examples:<3} "
            f"{score.accuracy:6.1%}{flag}"
        )
    lines.append("")
    if report.collisions:
        lines.append("Collisions (held-out examples of one topic predicted as another):")
        for hit in report.collisions:
            lines.append(f"  {hit.source} -> {hit.target}: {hit.count} ({hit.share:.0%})")
            for text in hit.samples:
                lines.append(f'      e.g. "{text}"')
    else:
        lines.append("Collisions: none above the threshold.")
    lines.append("")
    if report.duplicates:
        lines.append(
            "Near-duplicate examples shared with other topics "
            f"(similarity >= {EVAL_NEAR_THRESHOLD}):"
        )
        for first, second, score in report.duplicates:
            lines.append(
                f"  {score:.2f} {first.path.parent.name}/{first.path.name}:{first.line} "
                f"'{first.text}' "
                f"<-> {second.path.parent.name}/{second.path.name}:{second.line} '{second.text}'"
            )
    else:
        lines.append("Near-duplicate examples: none.")
    return "\n".join(lines)
