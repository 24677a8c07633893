"""Dialogue-level evaluation: is a short reply understood the way the conversation means it?

Why: "udah", "ga jadi deh", "oke sip" or "bukan itu" mean different things after a greeting, an
FAQ answer or a form question, and single-message NLU scores cannot show whether the bot then
does the right thing. Each case of `eval/dialogue/*.yml` names a bot turn (a *context*) and
replies labelled with what the citizen means (affirm, deny, cancel, thanks, goodbye, skip,
request_human, help, greet). For every reply this runner

1. starts a fresh conversation on a trained model (`rasa.core.agent.Agent`, in process, no Rasa
   server), with the real action server as a subprocess (SQLite in a temp dir);
2. sends the context's fixed prefix of citizen messages (PREFIXES) and checks that the bot turn
   of that context was reached (REACHED); a prefix that misses is reported, not scored;
3. sends the reply and judges the outcome by what the bot DID after it (actions run, responses
   sent, slots, the active form), not by the predicted intent (OUTCOMES).

It prints accuracy per context, per meaning, per register and per variety, and per file, and
writes `reports/dialogue_eval.json`. `make eval` runs it after the NLU evaluation.

Format of the sets (docs/nlu.md):

    version: 1
    cases:
      - context: complaint_confirm
        replies:
          - {text: "oke sip kirim", meaning: affirm, register: colloquial}
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rasa.shared.core.trackers import EventVerbosity

from layani.paths import ROOT

logger = logging.getLogger("tooling.dialogue_eval")

DIALOGUE_DIR = ROOT / "eval" / "dialogue"
REPORTS_DIR = ROOT / "reports"

COMPLAINT_START = "saya mau lapor"
COMPLAINT_TEXT = "lampu jalan di gang kami mati sudah seminggu, gelap sekali kalau malam"
COMPLAINT_PLACE = "Jl. Melati No. 12 RT 03 RW 05, Kelurahan Sukamaju, Kecamatan Cibeunying"

# Citizen messages that start a fresh conversation towards each context's bot turn; inside a
# form the runner then answers whatever the form asks (FORM_ANSWERS) until REACHED holds.
PREFIXES: dict[str, list[str]] = {
    "after_greeting": ["halo"],
    "after_faq_answer": ["apa saja syarat membuat SKCK?"],
    "complaint_description_asked": [COMPLAINT_START],
    "complaint_category_guess": [COMPLAINT_START],
    "complaint_photo_asked": [COMPLAINT_START],
    "complaint_confirm": [COMPLAINT_START],
    "complaint_saved": [COMPLAINT_START],
    "application_confirm": ["saya mau mengajukan surat keterangan domisili"],
    "fallback_offer_human": ["xqzv plork", "mnbv wxyt qq"],
    "delete_data_confirm": ["hapus data saya"],
    "bot_challenge_answered": ["kamu robot ya?"],
    "anything_else": ["hapus data saya", "tidak"],
}

# The answer to each form question on the way to a context (requested slot -> message).
FORM_ANSWERS: dict[str, str] = {
    "complaint_description": COMPLAINT_TEXT,
    "complaint_category": "ya",
    "complaint_category_guess": "ya",
    "complaint_location": COMPLAINT_PLACE,
    "complaint_photo": "lewati",
    "complaint_contact": "lewati",
    "complaint_confirm": "ya, kirim",
    "application_service": "surat keterangan domisili",
    "applicant_name": "Siti Aminah",
    "applicant_birth_date": "12-05-1990",
    "applicant_nik": "3273015205900003",
    "applicant_address": "Jl. Kenanga No. 7 RT 02 RW 04, Kelurahan Sukasari",
    "domisili_purpose": "untuk melamar pekerjaan",
    "applicant_phone": "081234567890",
}
MAX_FORM_TURNS = 10


@dataclass
class Turn:
    """What the bot did after one citizen message."""

    actions: list[str] = field(default_factory=list)
    responses: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    active_loop: str | None = None
    requested_slot: str | None = None
    intent: str | None = None

    def said(self, *names: str) -> bool:
        return any(r == n or r.startswith(n) for r in self.responses for n in names)

    def ran(self, *names: str) -> bool:
        return any(a in names for a in self.actions)

    @property
    def replied(self) -> bool:
        return bool(self.texts)


def _any_reply_but_fallback(t: Turn) -> bool:
    fallback = ("utter_default", "utter_ask_rephrase", "utter_fallback_menu_or_human")
    return t.replied and not t.said(*fallback)


def _saved(t: Turn) -> bool:
    return t.said("utter_complaint_saved")


def _submitted(t: Turn) -> bool:
    return t.ran("action_application_submit") and t.active_loop is None


def _form_left(t: Turn) -> bool:
    return t.active_loop is None and not _saved(t) and not _submitted(t)


def _handoff(t: Turn) -> bool:
    return t.ran("action_handoff_start")


# Meaning -> outcome check; CONTEXT_OUTCOMES overrides it for one context.
OUTCOMES: dict[str, Callable[[Turn], bool]] = {
    "greet": lambda t: t.said("utter_greet"),
    "help": lambda t: (
        t.said("utter_help", "utter_help_topics")
        or any(r.endswith(("_help", "_hint")) for r in t.responses)
    ),
    "thanks": lambda t: t.said("utter_thanks"),
    "goodbye": lambda t: t.said("utter_goodbye"),
    "request_human": _handoff,
    "cancel": lambda t: _form_left(t) and not t.ran("action_erase_my_data") and t.replied,
    "affirm": _any_reply_but_fallback,
    "deny": _any_reply_but_fallback,
    "skip": lambda t: (
        t.active_loop == "complaint_form" and t.requested_slot not in (None, "complaint_photo")
    ),
}

CONTEXT_OUTCOMES: dict[tuple[str, str], Callable[[Turn], bool]] = {
    ("complaint_confirm", "affirm"): _saved,
    ("complaint_confirm", "deny"): lambda t: not _saved(t) and t.active_loop == "complaint_form",
    ("complaint_confirm", "cancel"): lambda t: _form_left(t) and t.said("utter_complaint_cancel"),
    ("application_confirm", "affirm"): _submitted,
    ("application_confirm", "deny"): lambda t: (
        not t.ran("action_application_submit") and t.active_loop == "application_form"
    ),
    ("application_confirm", "cancel"): lambda t: _form_left(t) and t.replied,
    ("delete_data_confirm", "affirm"): lambda t: t.ran("action_erase_my_data"),
    ("delete_data_confirm", "deny"): lambda t: (
        t.said("utter_privacy_kept") and not t.ran("action_erase_my_data")
    ),
    ("delete_data_confirm", "cancel"): lambda t: (
        t.said("utter_privacy_kept") and not t.ran("action_erase_my_data")
    ),
    ("complaint_category_guess", "affirm"): lambda t: (
        t.active_loop == "complaint_form"
        and t.requested_slot not in (None, "complaint_category", "complaint_category_guess")
    ),
    ("complaint_category_guess", "deny"): lambda t: (
        t.active_loop == "complaint_form"
        and t.requested_slot == "complaint_category"
        and t.said("utter_ask_complaint_category", "utter_complaint_category_choose")
    ),
    ("complaint_photo_asked", "affirm"): lambda t: t.active_loop == "complaint_form" and t.replied,
    ("complaint_description_asked", "cancel"): lambda t: (
        _form_left(t) and t.said("utter_complaint_cancel")
    ),
    ("complaint_category_guess", "cancel"): lambda t: (
        _form_left(t) and t.said("utter_complaint_cancel")
    ),
    ("complaint_photo_asked", "cancel"): lambda t: (
        _form_left(t) and t.said("utter_complaint_cancel")
    ),
    ("after_faq_answer", "deny"): lambda t: t.said("utter_faq_not_it", "utter_ask_rephrase"),
    ("anything_else", "deny"): lambda t: t.said("utter_goodbye", "utter_deny_nothing_pending"),
    ("anything_else", "affirm"): lambda t: t.said("utter_ack_nothing_pending", "utter_help"),
    ("bot_challenge_answered", "affirm"): lambda t: (
        _handoff(t) or t.said("utter_ack_nothing_pending", "utter_help")
    ),
}

# The bot turn each context stands for: the prefix must end with it.
REACHED: dict[str, Callable[[Turn], bool]] = {
    "after_greeting": lambda t: t.said("utter_greet"),
    "after_faq_answer": lambda t: t.ran("action_faq_answer") and t.replied,
    "complaint_description_asked": lambda t: t.requested_slot == "complaint_description",
    "complaint_category_guess": lambda t: t.said("utter_ask_complaint_category_guess"),
    "complaint_photo_asked": lambda t: t.requested_slot == "complaint_photo",
    "complaint_confirm": lambda t: t.requested_slot == "complaint_confirm",
    "complaint_saved": _saved,
    "application_confirm": lambda t: (t.requested_slot or "") == "application_confirmed",
    "fallback_offer_human": lambda t: t.said("utter_fallback_menu_or_human"),
    "delete_data_confirm": lambda t: t.said("utter_privacy_confirm"),
    "bot_challenge_answered": lambda t: t.said("utter_bot_challenge"),
    "anything_else": lambda t: t.said("utter_privacy_kept"),
}


@dataclass(frozen=True)
class Reply:
    """One labelled reply of a dialogue set."""

    context: str
    text: str
    meaning: str
    register: str
    variety: str
    source: str


def load_sets(paths: Iterable[Path]) -> list[Reply]:
    """Read dialogue sets; an unknown context or a missing field is an error, not a skip."""
    replies: list[Reply] = []
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for case in data.get("cases") or []:
            context = case["context"]
            if context not in PREFIXES:
                raise ValueError(f"{path.name}: unknown context {context!r}")
            for r in case.get("replies") or []:
                replies.append(
                    Reply(
                        context=context,
                        text=str(r["text"]),
                        meaning=str(r["meaning"]),
                        register=str(r.get("register", "unknown")),
                        variety=str(r.get("variety") or "-"),
                        source=path.name,
                    )
                )
    return replies


def outcome_check(context: str, meaning: str) -> Callable[[Turn], bool]:
    return CONTEXT_OUTCOMES.get((context, meaning)) or OUTCOMES[meaning]


def _turn_from_events(events: list[dict[str, Any]]) -> Turn:
    """Summarise the events after the last user message."""
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    turn = Turn()
    if last_user >= 0:
        turn.intent = (events[last_user].get("parse_data") or {}).get("intent", {}).get("name")
    for event in events[last_user + 1 :]:
        kind = event.get("event")
        if kind == "action":
            turn.actions.append(event.get("name"))
        elif kind == "bot":
            name = (event.get("metadata") or {}).get("utter_action")
            turn.responses.append(name or "")
            turn.texts.append(event.get("text") or "")
        elif kind == "slot":
            turn.slots[event.get("name")] = event.get("value")
    # Form state at the end of the turn (over the whole conversation; a restart, e.g. after
    # "hapus data saya", starts from scratch).
    for event in events:
        if event.get("event") == "restart":
            turn.active_loop = turn.requested_slot = None
        elif event.get("event") == "active_loop":
            turn.active_loop = event.get("name")
        elif event.get("event") == "slot" and event.get("name") == "requested_slot":
            turn.requested_slot = event.get("value")
    if turn.active_loop is None:
        turn.requested_slot = None
    return turn


class Driver:
    """A trained model in process, talking to a real action server subprocess."""

    def __init__(self, model: Path, workdir: Path, port: int = 0) -> None:
        self.model = model
        self.workdir = workdir
        # 0 = any free port; a fixed one keeps parallel sessions inside their own port range.
        self.port = port
        self.proc: subprocess.Popen | None = None
        self.agent: Any = None

    def start(self) -> None:
        from rasa.core.agent import Agent
        from rasa.utils.endpoints import EndpointConfig

        from layani.paths import VAR_DIR
        from layani.pii_key import generated_key
        from layani.run import build_env, process_env

        env = build_env("embedded", dict(os.environ))
        port = self.port or _free_port()
        token = secrets.token_urlsafe(16)
        env.update(
            {
                "ACTION_PORT": str(port),
                "DATABASE_URL": f"sqlite:///{self.workdir / 'layani.db'}",
                "LAYANI_ACTION_TOKEN": token,
                "LAYANI_PII_KEY": env.get("LAYANI_PII_KEY") or generated_key(VAR_DIR),
                "LOG_LEVEL": "WARNING",
            }
        )
        actions_env = process_env("actions", env)
        subprocess.run(
            [sys.executable, "-m", "storage.migrate"],
            env=actions_env,
            cwd=ROOT,
            check=False,
            capture_output=True,
        )
        log = open(self.workdir / "actions.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "layani.action_server", "--port", str(port)],
            env=actions_env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        _wait_http(f"http://127.0.0.1:{port}/health", self.proc, self.workdir / "actions.log")
        endpoint = EndpointConfig(
            url=f"http://127.0.0.1:{port}/webhook",
            headers={"Authorization": f"Bearer {token}"},
        )
        # The runner's own process needs the key to read what the actions sealed.
        os.environ.setdefault("LAYANI_PII_KEY", env["LAYANI_PII_KEY"])
        self.agent = Agent.load(str(self.model), action_endpoint=endpoint)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)

    async def say(self, sender: str, text: str) -> Turn:
        await self.agent.handle_text(text, sender_id=sender)
        tracker = await self.agent.tracker_store.retrieve(sender)
        state = tracker.current_state(EventVerbosity.ALL)
        return _turn_from_events(state.get("events") or [])

    async def reach(self, context: str, sender: str) -> Turn:
        """Send the context's prefix, then answer the form until its bot turn; return it."""
        turn = Turn()
        for text in PREFIXES[context]:
            turn = await self.say(sender, text)
        for _ in range(MAX_FORM_TURNS):
            if REACHED[context](turn) or turn.active_loop is None:
                break
            answer = FORM_ANSWERS.get(turn.requested_slot or "")
            if answer is None:
                break
            turn = await self.say(sender, answer)
        return turn


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 300) -> None:
    import httpx

    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"action server exited:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"action server not ready after {timeout}s")


@dataclass
class Result:
    reply: Reply
    reached: bool
    correct: bool
    intent: str | None
    responses: list[str]


async def run(driver: Driver, replies: list[Reply]) -> list[Result]:
    results = []
    for number, reply in enumerate(replies, start=1):
        if number % 25 == 0:
            print(f"  ... {number}/{len(replies)} replies", flush=True)
        sender = f"dialogue-eval-{uuid.uuid4().hex[:12]}"
        before = await driver.reach(reply.context, sender)
        reached = REACHED[reply.context](before)
        if not reached:
            results.append(Result(reply, False, False, None, before.responses))
            continue
        after = await driver.say(sender, reply.text)
        ok = outcome_check(reply.context, reply.meaning)(after)
        results.append(Result(reply, True, ok, after.intent, after.responses))
    return results


def breakdown(results: list[Result], key: Callable[[Reply], str]) -> dict[str, tuple[int, int]]:
    """{group: (correct, scored)} over the replies whose context was reached."""
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in results:
        if r.reached:
            row = table[key(r.reply)]
            row[0] += int(r.correct)
            row[1] += 1
    return {k: (v[0], v[1]) for k, v in sorted(table.items())}


def _pct(c: int, n: int) -> str:
    return f"{100 * c / n:5.1f}% ({c}/{n})" if n else "   n/a"


def report(results: list[Result], show_errors: bool) -> dict[str, Any]:
    scored = [r for r in results if r.reached]
    correct = sum(r.correct for r in scored)
    print(f"\nDialogue-level accuracy: {_pct(correct, len(scored))}")
    missed = [r for r in results if not r.reached]
    if missed:
        contexts = sorted({r.reply.context for r in missed})
        print(f"  prefix did not reach the context for {len(missed)} replies: {contexts}")
    data: dict[str, Any] = {"accuracy": correct / len(scored) if scored else None}
    for title, key in (
        ("file", lambda r: r.source),
        ("context", lambda r: r.context),
        ("meaning", lambda r: r.meaning),
        # Which way a context fails matters: "jangan" read as yes at the delete question erases
        # data, "iya" read as no only asks again.
        ("context and meaning", lambda r: f"{r.context} / {r.meaning}"),
        ("register", lambda r: r.register),
        ("variety", lambda r: r.variety),
    ):
        table = breakdown(results, key)
        data[title] = {k: {"correct": c, "n": n} for k, (c, n) in table.items()}
        print(f"  by {title}:")
        for name, (c, n) in table.items():
            print(f"    {name:30s} {_pct(c, n)}")
    if show_errors:
        print("  errors (context | meaning | text -> intent, responses):")
        for r in scored:
            if not r.correct:
                print(
                    f"    {r.reply.context} | {r.reply.meaning} | {r.reply.text!r} -> "
                    f"{r.intent}, {r.responses}"
                )
    # The one error that cannot be undone: a "no" at the delete question that erased the data.
    erased_on_no = [
        r
        for r in scored
        if r.reply.context == "delete_data_confirm"
        and r.reply.meaning != "affirm"
        and any(name.startswith("utter_privacy_erased") for name in r.responses)
    ]
    print(f"  data erased after a reply that did not mean yes: {len(erased_on_no)}")
    data["erased_on_no"] = len(erased_on_no)
    data["unreached"] = len(missed)
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="trained model (default: current, trained if stale)")
    parser.add_argument("sets", nargs="*", help="dialogue sets (default: eval/dialogue/*.yml)")
    parser.add_argument("--out", default=str(REPORTS_DIR))
    parser.add_argument(
        "--action-port",
        type=int,
        default=int(os.environ.get("LAYANI_DIALOGUE_ACTION_PORT", "0")),
        help="port of the action server it starts (default: any free port)",
    )
    parser.add_argument(
        "--context",
        action="append",
        help="only the replies of this context (repeatable), e.g. delete_data_confirm",
    )
    parser.add_argument(
        "--errors",
        action="store_true",
        help="list every wrong reply (only for your own dev set: blind sets are for measuring)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    # Rasa logs every event at DEBUG through structlog; on a loaded machine that costs more
    # than the turns themselves.
    import rasa.utils.common
    from rasa.utils.log_utils import configure_structlog

    rasa.utils.common.configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    paths = [Path(p) for p in args.sets] or sorted(DIALOGUE_DIR.glob("*.yml"))
    replies = load_sets(paths)
    if args.context:
        replies = [r for r in replies if r.context in args.context]
    if not replies:
        print("No dialogue sets found in eval/dialogue/", file=sys.stderr)
        return 1
    if args.model:
        model = Path(args.model)
    else:
        from tooling.train import train

        model = train(if_stale=True)
    print(f"Dialogue sets: {len(replies)} replies from {len(paths)} files, model {model.name}")
    # A stopped run must still stop its action server (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="layani-dialogue-") as tmp:
        driver = Driver(model, Path(tmp), args.action_port)
        driver.start()
        try:
            results = asyncio.run(run(driver, replies))
        finally:
            driver.stop()
    data = report(results, args.errors)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "dialogue_eval.json").write_text(json.dumps(data, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
