"""`make eval`: train on the training data only, score the NLU on the held-out sets.

Why a separate evaluator (and not `rasa test nlu`): Layani's FAQ topics are retrieval intents, so a
message is right only when the intent is `faq` *and* the ResponseSelector picks the right
`faq/<id>`; the held-out sets are tagged by register (formal, colloquial, sms, regional) and the
targets are per register; out-of-scope handling counts both `out_of_scope` and `nlu_fallback`.

Steps:
1. Load the held-out sets `eval/heldout/*.yml` (format: docs/nlu.md). They are never read by the
   importer; messages that also occur verbatim in the training data are reported and skipped.
2. Train NLU-only models with `config.yml` and with Rasa's default pipeline (empty `pipeline:`)
   on the same training data (`layani.importer`), timing each training.
3. Parse every held-out message with each model (timing each parse) and compute per-topic
   precision/recall/F1, FAQ and core accuracy, accuracy by register, the most confused pairs,
   out-of-scope recall, the share of in-scope messages sent to fallback, parse latency p50/p99.
4. Print a side-by-side summary and write `reports/nlu_eval.json`, `reports/nlu_eval.md`,
   `reports/confusion_matrix.png` (and `confusion_matrix_default.png`).
If `actions.complaints.classifier.evaluate` exists, its accuracy on
`eval/heldout/complaint_categories.yml` is added.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.util
import json
import logging
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME

from layani.paths import CONFIG_FILE, ROOT

logger = logging.getLogger("tooling.evaluation")

HELDOUT_DIR = ROOT / "eval" / "heldout"
REPORTS_DIR = ROOT / "reports"
COMPLAINT_SET = "complaint_categories.yml"
REGISTERS = ("formal", "colloquial", "sms", "regional")
OUT_OF_SCOPE = "out_of_scope"
FALLBACK = DEFAULT_NLU_FALLBACK_INTENT_NAME
FAQ_PREFIX = "faq/"
_ANNOTATION_RE = re.compile(r"\[([^\]]+)\]\((?:[^)]*)\)|\[([^\]]+)\]\{[^}]*\}")

TARGETS = {
    "faq_accuracy": 0.95,
    "faq_register_accuracy": 0.93,
    "oos_recall": 0.90,
    "in_scope_fallback_max": 0.03,
}


@dataclass(frozen=True)
class Example:
    """One held-out message with its gold label (`greet`, `faq/skck`, ...) and register."""

    text: str
    label: str
    register: str
    source: str
    # Regional variety of a `regional` block (javanese, sundanese, betawi, minang, banjar, bugis,
    # english ...), from the block's optional `metadata: {variety: ...}`; "" when not given.
    variety: str = ""


@dataclass
class Prediction:
    """Predicted label, parse time, and what the model said before the FallbackClassifier."""

    label: str
    seconds: float
    raw_label: str | None = None  # best label ignoring nlu_fallback
    confidence: float = 1.0  # confidence of the best non-fallback intent
    margin: float = 1.0  # gap to the second intent (FallbackClassifier's ambiguity check)


@dataclass
class Scores:
    """All figures for one model on one held-out set (see `score`)."""

    name: str
    n: int
    faq_accuracy: float | None
    core_accuracy: float | None
    overall_accuracy: float
    faq_by_register: dict[str, float]
    core_by_register: dict[str, float]
    all_by_register: dict[str, float]
    oos_recall: float | None
    oos_recall_strict: float | None
    in_scope_to_fallback: float
    latency_p50_ms: float
    latency_p99_ms: float
    per_label: dict[str, dict[str, float]]
    confused_pairs: list[tuple[str, str, int]]
    train_seconds: float | None = None
    errors: list[dict[str, str]] = field(default_factory=list)
    # Accuracy per held-out file (an out-of-scope message is right as out_of_scope or fallback):
    # a set somebody else wrote and dropped into eval/heldout/ gets its own line.
    by_source: dict[str, float] = field(default_factory=dict)
    # Regional variety (metadata.variety): accuracy per variety for FAQ, core and all messages,
    # and out-of-scope recall by register and by variety.
    faq_by_variety: dict[str, float] = field(default_factory=dict)
    core_by_variety: dict[str, float] = field(default_factory=dict)
    all_by_variety: dict[str, float] = field(default_factory=dict)
    oos_by_register: dict[str, float] = field(default_factory=dict)
    oos_by_variety: dict[str, float] = field(default_factory=dict)


def strip_annotations(text: str) -> str:
    """'cek [ADU-7K3M-Q9PX](ticket_id)' -> 'cek ADU-7K3M-Q9PX'."""
    return _ANNOTATION_RE.sub(lambda m: m.group(1) or m.group(2), text).strip()


def load_heldout(directory: Path = HELDOUT_DIR) -> list[Example]:
    """Every example of every held-out NLU file (all files but the complaint-category set)."""
    examples: list[Example] = []
    for path in sorted(directory.glob("*.yml")):
        if path.name == COMPLAINT_SET:
            continue
        examples.extend(load_heldout_file(path))
    return examples


def load_heldout_file(path: Path) -> list[Example]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples = []
    for number, block in enumerate(data.get("nlu") or [], start=1):
        if "intent" not in block:
            continue
        metadata = block.get("metadata") or {}
        register = (metadata.get("register") or "").strip()
        variety = str(metadata.get("variety") or "").strip().lower()
        if register not in REGISTERS:
            raise ValueError(
                f"{path.name}: block {number} ({block['intent']}) has register {register!r}; "
                f"expected one of {', '.join(REGISTERS)} (docs/nlu.md)"
            )
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                text = strip_annotations(line[2:])
                if text:
                    examples.append(
                        Example(text, str(block["intent"]), register, path.name, variety)
                    )
    return examples


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def training_texts() -> set:
    """Normalised texts of every training example the importer would train on."""
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_nlu_importer_from_config(str(CONFIG_FILE))
    return {_key(m.get("text")) for m in importer.get_nlu_data().training_examples if m.get("text")}


def split_leaks(examples: Sequence[Example], train: set) -> tuple[list[Example], list[Example]]:
    kept, leaked = [], []
    for example in examples:
        (leaked if _key(example.text) in train else kept).append(example)
    return kept, leaked


def predicted_label(parse: dict[str, Any]) -> str:
    """`faq/<id>` from the response selector when the intent is `faq`, else the intent name."""
    intent = (parse.get("intent") or {}).get("name") or FALLBACK
    if intent == "faq":
        # Our config names the selector `faq`; Rasa's default pipeline trains one selector for
        # all retrieval intents, stored under `default`.
        selectors = parse.get("response_selector") or {}
        selector = selectors.get("faq") or selectors.get("default") or {}
        key = (selector.get("response") or {}).get("intent_response_key")
        return key or "faq"
    return intent


def raw_prediction(parse: dict[str, Any]) -> tuple[str, float, float]:
    """(label, confidence, margin) of the best intent that is not nlu_fallback."""
    ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    if not ranking:
        intent = parse.get("intent") or {}
        return predicted_label(parse), float(intent.get("confidence") or 0.0), 1.0
    top = ranking[0]
    second = float(ranking[1].get("confidence") or 0.0) if len(ranking) > 1 else 0.0
    confidence = float(top.get("confidence") or 0.0)
    return predicted_label(dict(parse, intent=top)), confidence, confidence - second


def swept_label(p: Prediction, threshold: float, ambiguity: float, configured: float) -> str:
    """The label `p` would get with the FallbackClassifier at `threshold`.

    The guards after the classifier (config.yml) still apply: a label they rewrote stays, and a
    fallback with a confident, unambiguous top intent came from a guard, not the threshold. Only
    a fallback the configured threshold made is re-opened at a lower threshold (the guards'
    verdict on that raw label is not known, so it counts as the raw label)."""
    if p.confidence < threshold or p.margin < ambiguity:
        return FALLBACK
    if p.label != FALLBACK or p.confidence >= configured:
        return p.label
    return p.raw_label or p.label


# Rasa's FallbackClassifier defaults, which its auto-configured (default) pipeline uses.
RASA_FALLBACK_DEFAULTS = (0.3, 0.1)


def fallback_settings(config: Path | None) -> tuple[float, float]:
    """(threshold, ambiguity_threshold) of the FallbackClassifier in `config`, so the sweep
    starts from what the model was trained with instead of a copy of config.yml's numbers."""
    threshold, ambiguity = RASA_FALLBACK_DEFAULTS
    if config is None:
        return threshold, ambiguity
    pipeline = (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("pipeline") or []
    for step in pipeline:
        if step.get("name") == "FallbackClassifier":
            threshold = float(step.get("threshold", threshold))
            ambiguity = float(step.get("ambiguity_threshold", ambiguity))
    return threshold, ambiguity


def threshold_sweep(
    examples: Sequence[Example],
    predictions: Sequence[Prediction],
    thresholds: Sequence[float] = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8),
    ambiguity: float = 0.05,
    configured: float = 0.4,
) -> list[dict[str, float]]:
    """What FallbackClassifier thresholds would give on these parses, the guards included
    (exact at and above the `configured` threshold of config.yml)."""
    rows = []
    for threshold in thresholds:
        simulated = [
            Prediction(swept_label(p, threshold, ambiguity, configured), p.seconds)
            for p in predictions
        ]
        s = score("sweep", examples, simulated)
        rows.append(
            {
                "threshold": threshold,
                "faq_accuracy": s.faq_accuracy or 0.0,
                "core_accuracy": s.core_accuracy or 0.0,
                "oos_recall": s.oos_recall or 0.0,
                "in_scope_to_fallback": s.in_scope_to_fallback,
                "min_faq_register": min(s.faq_by_register.values()) if s.faq_by_register else 0.0,
            }
        )
    return rows


def _accuracy(pairs: Iterable[tuple[str, str]]) -> float | None:
    pairs = list(pairs)
    return sum(gold == pred for gold, pred in pairs) / len(pairs) if pairs else None


def _percentile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(q / 100 * (len(ordered) - 1)))))
    return ordered[index]


def score(name: str, examples: Sequence[Example], predictions: Sequence[Prediction]) -> Scores:
    """Compute every figure of the report for one model (pure function, unit-tested)."""
    from sklearn.metrics import precision_recall_fscore_support

    rows = list(zip(examples, predictions, strict=True))
    is_faq = lambda ex: ex.label.startswith(FAQ_PREFIX)  # noqa: E731
    is_oos = lambda ex: ex.label == OUT_OF_SCOPE  # noqa: E731
    is_core = lambda ex: not is_faq(ex) and not is_oos(ex)  # noqa: E731

    def by_register(select) -> dict[str, float]:
        result = {}
        for register in REGISTERS:
            acc = _accuracy(
                (ex.label, p.label) for ex, p in rows if select(ex) and ex.register == register
            )
            if acc is not None:
                result[register] = acc
        return result

    varieties = sorted({ex.variety for ex, _ in rows if ex.variety})

    def by_variety(select) -> dict[str, float]:
        result = {}
        for variety in varieties:
            acc = _accuracy(
                (ex.label, p.label) for ex, p in rows if select(ex) and ex.variety == variety
            )
            if acc is not None:
                result[variety] = acc
        return result

    def oos_recall_where(keep) -> float | None:
        chosen = [p for ex, p in rows if is_oos(ex) and keep(ex)]
        return (
            sum(p.label in (OUT_OF_SCOPE, FALLBACK) for p in chosen) / len(chosen)
            if chosen
            else None
        )

    oos_by_register = {r: oos_recall_where(lambda ex, r=r: ex.register == r) for r in REGISTERS}
    oos_by_variety = {v: oos_recall_where(lambda ex, v=v: ex.variety == v) for v in varieties}

    gold = [ex.label for ex, _ in rows]
    pred = [p.label for _, p in rows]
    labels = sorted(set(gold))
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, pred, labels=labels, zero_division=0
    )
    per_label = {
        label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }
    confusions = Counter((g, p) for g, p in zip(gold, pred, strict=True) if g != p)
    oos = [(ex, p) for ex, p in rows if is_oos(ex)]
    in_scope = [(ex, p) for ex, p in rows if not is_oos(ex)]
    right = lambda ex, p: ex.label == p.label or (is_oos(ex) and p.label == FALLBACK)  # noqa: E731
    sources = sorted({ex.source for ex, _ in rows})
    by_source = {
        source: sum(right(ex, p) for ex, p in rows if ex.source == source)
        / sum(ex.source == source for ex, _ in rows)
        for source in sources
    }
    seconds = [p.seconds for p in predictions]
    return Scores(
        name=name,
        n=len(rows),
        faq_accuracy=_accuracy((ex.label, p.label) for ex, p in rows if is_faq(ex)),
        core_accuracy=_accuracy((ex.label, p.label) for ex, p in rows if is_core(ex)),
        overall_accuracy=_accuracy(zip(gold, pred, strict=True)) or 0.0,
        faq_by_register=by_register(is_faq),
        core_by_register=by_register(is_core),
        all_by_register=by_register(lambda ex: True),
        oos_recall=(sum(p.label in (OUT_OF_SCOPE, FALLBACK) for _, p in oos) / len(oos))
        if oos
        else None,
        oos_recall_strict=(sum(p.label == OUT_OF_SCOPE for _, p in oos) / len(oos))
        if oos
        else None,
        in_scope_to_fallback=(
            sum(p.label == FALLBACK for _, p in in_scope) / len(in_scope) if in_scope else 0.0
        ),
        latency_p50_ms=1000 * statistics.median(seconds) if seconds else 0.0,
        latency_p99_ms=1000 * _percentile(seconds, 99),
        per_label=per_label,
        confused_pairs=[(g, p, n) for (g, p), n in confusions.most_common(15)],
        errors=[
            {
                "text": ex.text,
                "gold": ex.label,
                "predicted": p.label,
                "register": ex.register,
                "variety": ex.variety,
                "source": ex.source,
            }
            for ex, p in rows
            if ex.label != p.label
        ],
        by_source=by_source,
        faq_by_variety=by_variety(is_faq),
        core_by_variety=by_variety(is_core),
        all_by_variety=by_variety(lambda ex: True),
        oos_by_register={k: v for k, v in oos_by_register.items() if v is not None},
        oos_by_variety={k: v for k, v in oos_by_variety.items() if v is not None},
    )


# --- training and parsing ------------------------------------------------------------------


def default_pipeline_config(directory: Path) -> Path:
    """config.yml without `pipeline:` (Rasa fills in its default pipeline) and the same importer."""
    config = yaml.safe_load(CONFIG_FILE.read_text(encoding="utf-8"))
    # Rasa auto-configures only keys that are absent (an empty list is kept as is and fails).
    config.pop("pipeline", None)
    config.pop("policies", None)
    path = directory / "config_default.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def train_nlu_model(config: Path, output: Path, name: str) -> tuple[Path, float]:
    """Train an NLU-only model on the importer's training data; return (model path, seconds)."""
    from rasa.model_training import train_nlu

    from layani.paths import COMMON_NLU_DIR, DOMAIN_DIR

    started = time.perf_counter()
    model = train_nlu(
        config=str(config),
        nlu_data=str(COMMON_NLU_DIR),
        output=str(output),
        fixed_model_name=name,
        domain=str(DOMAIN_DIR),
    )
    if not model:
        raise SystemExit(f"Training the {name} model failed")
    return Path(model), time.perf_counter() - started


def parse_all(model: Path, examples: Sequence[Example]) -> list[Prediction]:
    """Parse every message with the model loaded by `Agent.load`, timing each parse."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))

    async def run() -> list[Prediction]:
        await agent.parse_message("halo")  # warm-up: first call builds the TF graph
        out = []
        for example in examples:
            started = time.perf_counter()
            parsed = await agent.parse_message(example.text)
            seconds = time.perf_counter() - started
            raw, confidence, margin = raw_prediction(parsed)
            out.append(Prediction(predicted_label(parsed), seconds, raw, confidence, margin))
        return out

    return asyncio.run(run())


def complaint_category_scores(directory: Path = HELDOUT_DIR) -> dict[str, Any] | None:
    path = directory / COMPLAINT_SET
    if not path.exists() or importlib.util.find_spec("actions.complaints.classifier") is None:
        return None
    module = importlib.import_module("actions.complaints.classifier")
    evaluate = getattr(module, "evaluate", None)
    if evaluate is None:
        return None
    result = evaluate(path)
    return result if isinstance(result, dict) else None


# --- reporting -----------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def summary_rows(scores: Sequence[Scores]) -> list[tuple[str, list[str]]]:
    rows: list[tuple[str, list[str]]] = [
        ("held-out messages", [str(s.n) for s in scores]),
        (
            "FAQ topic accuracy (intent faq + right faq/<id>)",
            [_pct(s.faq_accuracy) for s in scores],
        ),
    ]
    for register in REGISTERS:
        rows.append((f"  FAQ, {register}", [_pct(s.faq_by_register.get(register)) for s in scores]))
    rows.append(
        ("core intent accuracy (excl. out_of_scope)", [_pct(s.core_accuracy) for s in scores])
    )
    for register in REGISTERS:
        rows.append(
            (f"  core, {register}", [_pct(s.core_by_register.get(register)) for s in scores])
        )
    rows += [
        ("all messages accuracy", [_pct(s.overall_accuracy) for s in scores]),
    ]
    for register in REGISTERS:
        rows.append((f"  all, {register}", [_pct(s.all_by_register.get(register)) for s in scores]))
    varieties = sorted(
        {v for s in scores for v in (*s.core_by_variety, *s.faq_by_variety, *s.oos_by_variety)}
    )
    for kind, attr in (("FAQ", "faq_by_variety"), ("core", "core_by_variety")):
        for variety in varieties:
            values = [_pct(getattr(s, attr).get(variety)) for s in scores]
            if any(v != "n/a" for v in values):
                rows.append((f"  {kind}, regional variety {variety}", values))
    sources = sorted({source for s in scores for source in s.by_source})
    for source in sources:
        rows.append((f"  file {source}", [_pct(s.by_source.get(source)) for s in scores]))
    rows += [
        ("out-of-scope recall (out_of_scope or fallback)", [_pct(s.oos_recall) for s in scores]),
        ("out-of-scope recall (out_of_scope only)", [_pct(s.oos_recall_strict) for s in scores]),
    ]
    for register in REGISTERS:
        rows.append(
            (f"  out-of-scope, {register}", [_pct(s.oos_by_register.get(register)) for s in scores])
        )
    for variety in varieties:
        values = [_pct(s.oos_by_variety.get(variety)) for s in scores]
        if any(v != "n/a" for v in values):
            rows.append((f"  out-of-scope, regional variety {variety}", values))
    rows += [
        ("in-scope messages sent to fallback", [_pct(s.in_scope_to_fallback) for s in scores]),
        ("parse latency p50", [f"{s.latency_p50_ms:.1f} ms" for s in scores]),
        ("parse latency p99", [f"{s.latency_p99_ms:.1f} ms" for s in scores]),
        (
            "training time (NLU only)",
            [f"{s.train_seconds:.0f} s" if s.train_seconds else "n/a" for s in scores],
        ),
    ]
    return rows


def format_summary(scores: Sequence[Scores]) -> str:
    rows = summary_rows(scores)
    width = max(len(label) for label, _ in rows) + 2
    cols = [max(len(s.name), 10) + 2 for s in scores]
    lines = ["".ljust(width) + "".join(s.name.rjust(c) for s, c in zip(scores, cols, strict=True))]
    for label, values in rows:
        lines.append(
            label.ljust(width) + "".join(v.rjust(c) for v, c in zip(values, cols, strict=True))
        )
    return "\n".join(lines)


def format_markdown(
    scores: Sequence[Scores], leaked: int, complaints: dict[str, Any] | None
) -> str:
    ours = scores[0]
    lines = ["# NLU evaluation (held-out sets, `make eval`)", ""]
    lines.append("| metric | " + " | ".join(s.name for s in scores) + " |")
    lines.append("|---|" + "---|" * len(scores))
    for label, values in summary_rows(scores):
        lines.append(f"| {label.strip()} | " + " | ".join(values) + " |")
    if leaked:
        lines += [
            "",
            f"{leaked} held-out message(s) also occur in the training data and were skipped.",
        ]
    if complaints:
        lines += [
            "",
            f"Complaint-category accuracy: {_pct(complaints.get('accuracy'))} "
            f"({complaints.get('correct')}/{complaints.get('total')})",
        ]
    lines += [
        "",
        f"## Per-topic precision / recall / F1 ({ours.name})",
        "",
        "| label | precision | recall | F1 | n |",
        "|---|---|---|---|---|",
    ]
    for label, m in ours.per_label.items():
        lines.append(
            f"| {label} | {m['precision']:.2f} | {m['recall']:.2f} | {m['f1']:.2f} "
            f"| {m['support']} |"
        )
    lines += [
        "",
        f"## Most confused pairs ({ours.name})",
        "",
        "| gold | predicted | n |",
        "|---|---|---|",
    ]
    lines += [f"| {g} | {p} | {n} |" for g, p, n in ours.confused_pairs]
    lines += ["", "![confusion matrix](confusion_matrix.png)", ""]
    return "\n".join(lines)


def plot_confusion(
    examples: Sequence[Example], predictions: Sequence[Prediction], path: Path, title: str
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    gold = [ex.label for ex in examples]
    pred = [p.label for p in predictions]
    labels = sorted(set(gold) | set(pred))
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=int)
    for g, p in zip(gold, pred, strict=True):
        matrix[index[g], index[p]] += 1
    size = max(8, 0.28 * len(labels))
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(np.log1p(matrix), cmap="Blues")
    ax.set_xticks(range(len(labels)))
    ax.set_yticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=90, fontsize=7)
    ax.set_yticklabels(labels, fontsize=7)
    for i, j in zip(*np.nonzero(matrix), strict=True):
        colour = "white" if i == j else "red"
        ax.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=5, color=colour)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _scores_json(s: Scores) -> dict[str, Any]:
    data = dict(s.__dict__)
    data["confused_pairs"] = [{"gold": g, "predicted": p, "n": n} for g, p, n in s.confused_pairs]
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Evaluate the Layani NLU on the held-out sets")
    parser.add_argument("--out", default=str(REPORTS_DIR), help="report directory")
    parser.add_argument(
        "--skip-default", action="store_true", help="do not train Rasa's default pipeline"
    )
    parser.add_argument("--model", help="score this trained model instead of training config.yml")
    parser.add_argument(
        "--default-model", help="score this trained default-pipeline model instead of training one"
    )
    parser.add_argument("--keep-models", metavar="DIR", help="copy the trained models to DIR")
    parser.add_argument(
        "--train-default-only",
        metavar="DIR",
        help="only train Rasa's default pipeline into DIR (for --default-model) and exit",
    )
    parser.add_argument(
        "--compare",
        action="append",
        default=[],
        metavar="NAME=CONFIG",
        help="also train and score another config (e.g. lemmatize=/tmp/config_lemma.yml)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.train_default_only:
        target = Path(args.train_default_only)
        target.mkdir(parents=True, exist_ok=True)
        model, seconds = train_nlu_model(default_pipeline_config(target), target, "rasa-default")
        print(f"Default-pipeline model {model} trained in {seconds:.0f} s")
        return 0

    examples = load_heldout()
    examples, leaked = split_leaks(examples, training_texts())
    for example in leaked:
        print(
            f"warning: held-out message is in the training data, skipped: "
            f"{example.text!r} ({example.source})"
        )
    print(f"Held-out messages: {len(examples)} from {len({e.source for e in examples})} files")

    runs: list[tuple[str, Path | None, Path | None]] = [
        ("layani", CONFIG_FILE, Path(args.model) if args.model else None)
    ]
    for spec in args.compare:
        name, _, config = spec.partition("=")
        runs.append((name, Path(config), None))
    all_scores: list[Scores] = []
    sweeps: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="layani-eval-") as tmp:
        workdir = Path(tmp)
        if args.default_model:
            runs.append(("rasa-default", None, Path(args.default_model)))
        elif not args.skip_default:
            runs.append(("rasa-default", default_pipeline_config(workdir), None))
        for name, config, model in runs:
            seconds = None
            if model is None:
                assert config is not None
                print(f"Training NLU model '{name}' ({config.name}) ...", flush=True)
                model, seconds = train_nlu_model(config, workdir, name)
                print(f"  trained in {seconds:.0f} s", flush=True)
            predictions = parse_all(model, examples)
            scores = score(name, examples, predictions)
            scores.train_seconds = seconds
            all_scores.append(scores)
            configured, ambiguity = fallback_settings(config)
            sweeps[name] = threshold_sweep(
                examples, predictions, ambiguity=ambiguity, configured=configured
            )
            if args.keep_models:
                keep = Path(args.keep_models)
                keep.mkdir(parents=True, exist_ok=True)
                shutil.copy(model, keep / f"{name}.tar.gz")
            suffix = "" if name == "layani" else f"_{name.replace('-', '_')}"
            plot_confusion(
                examples,
                predictions,
                out / f"confusion_matrix{suffix}.png",
                f"{name}: gold vs predicted",
            )

    complaints = complaint_category_scores()
    print()
    print(format_summary(all_scores))
    ours = all_scores[0]
    print("\nMost confused pairs (layani):")
    for gold, pred, n in ours.confused_pairs[:10]:
        print(f"  {gold} -> {pred}: {n}")
    configured, _ = fallback_settings(CONFIG_FILE)
    print(
        "\nFallbackClassifier threshold sweep (layani, guards included; "
        f"exact from {configured:.2f} up):"
    )
    print("  threshold  FAQ acc  core acc  OOS recall  in-scope->fallback  worst FAQ register")
    for row in sweeps.get("layani", []):
        print(
            f"  {row['threshold']:9.2f}  {100 * row['faq_accuracy']:6.1f}%  "
            f"{100 * row['core_accuracy']:7.1f}%  {100 * row['oos_recall']:9.1f}%  "
            f"{100 * row['in_scope_to_fallback']:17.1f}%  {100 * row['min_faq_register']:17.1f}%"
        )
    if complaints:
        print(
            f"\nComplaint-category accuracy: {_pct(complaints.get('accuracy'))} "
            f"({complaints.get('correct')}/{complaints.get('total')})"
        )
    report = {
        "heldout_messages": len(examples),
        "skipped_in_training": [e.text for e in leaked],
        "targets": TARGETS,
        "models": [_scores_json(s) for s in all_scores],
        "complaint_categories": complaints,
        "threshold_sweep": sweeps,
    }
    (out / "nlu_eval.json").write_text(
        json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    (out / "nlu_eval.md").write_text(
        format_markdown(all_scores, len(leaked), complaints), encoding="utf-8"
    )
    print(f"\nReports written to {out}/ (nlu_eval.md, nlu_eval.json, confusion_matrix*.png)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
