"""Transparency figures (storage/transparency.py): counts, medians, the "<5" rule at its
boundary, derived figures withheld, complementary suppression, period bounds, and the cache."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

from storage import ratings, tickets
from storage import transparency as tr
from storage.db import dispose_engines, get_engine, session_scope, upgrade_database
from storage.models import Ticket, TicketStatusHistory

NIK = "3273010101900001"
PHONE = "+6281234567890"
NAME = "Siti Rahmawati"


@pytest.fixture(scope="module")
def template_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("tp") / "t.db"
    upgrade_database(f"sqlite:///{path}")
    dispose_engines()
    return path


@pytest.fixture()
def url(tmp_path, monkeypatch, template_db):
    import shutil

    shutil.copy(template_db, tmp_path / "t.db")
    url = f"sqlite:///{tmp_path / 't.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("LAYANI_PII_KEY", Fernet.generate_key().decode())
    tr.clear_cache()
    yield url
    dispose_engines()


def complaint(url, agency="dinas_pupr", category="jalan_rusak", created=None, i=0):
    view = tickets.create_ticket(
        kind="complaint",
        owner_key=f"phone:{PHONE}",
        sender_id=PHONE,
        category_or_service=category,
        agency=agency,
        description=f"{NAME} NIK {NIK} telepon {PHONE} Jl. Melati No. {i}",
        location="Jl. Melati No. 7, RT 03/RW 05",
        contact_name=NAME,
        channel="sms",
        url=url,
    )
    if created is not None:
        with session_scope(url) as s:
            s.get(Ticket, view.id).created_at = created
            for h in s.query(TicketStatusHistory).filter_by(ticket_id=view.id):
                h.at = created
    return view.id


def move(url, ticket_id, *steps):
    """Apply (status, at) steps, rewriting the history time so durations are known."""
    for status, at in steps:
        tickets.change_status(ticket_id, status, url=url)
        with session_scope(url) as s:
            row = (
                s.query(TicketStatusHistory)
                .filter_by(ticket_id=ticket_id, status=status)
                .order_by(TicketStatusHistory.id.desc())
                .first()
            )
            row.at = at


def period():
    return tr.default_period()


def now():
    return dt.datetime.utcnow().replace(microsecond=0)


@pytest.mark.parametrize("n, shown", [(4, "<5"), (5, 5)])
def test_count_boundary_four_is_hidden_five_is_shown(url, n, shown):
    for i in range(n):
        complaint(url, i=i)
    f = tr.figures(period(), url=url, max_age=0)
    assert f["complaints"]["total"] == shown
    assert f["complaints"]["by_agency"]["dinas_pupr"] == shown
    assert f["complaints"]["by_category"]["jalan_rusak"] == shown


def test_exact_figures_without_suppression(url):
    for i in range(3):
        complaint(url, i=i)
    f = tr.figures(period(), url=url, suppress=False, max_age=0)
    assert f["complaints"]["total"] == 3
    assert f["suppression"]["applied"] is False


def test_medians_and_within_target_rate(url):
    base = now() - dt.timedelta(days=30)
    ids = [complaint(url, created=base, i=i) for i in range(6)]
    # First response after 1,1,2,2,3,3 days -> median 2; selesai after 2,2,4,4,6,6 -> median 4.
    for k, tid in enumerate(ids):
        d = 1 + k // 2
        move(
            url,
            tid,
            ("diverifikasi", base + dt.timedelta(days=d)),
            ("diproses", base + dt.timedelta(days=d)),
            ("selesai", base + dt.timedelta(days=2 * d)),
        )
    with session_scope(url) as s:  # target date: 5 days after creation
        for tid in ids:
            s.get(Ticket, tid).due_at = base + dt.timedelta(days=5)
    f = tr.figures(period(), url=url, max_age=0)
    c = f["complaints"]
    assert c["median_days_to_first_response"] == 2.0
    assert c["median_days_to_resolve"] == 4.0
    assert c["within_target_rate"] == pytest.approx(4 / 6, abs=0.001)
    assert f["agencies"]["dinas_pupr"]["median_days_to_resolve"] == 4.0


def test_derived_figures_are_withheld_for_small_cells(url):
    base = now() - dt.timedelta(days=20)
    ids = [complaint(url, created=base, i=i) for i in range(6)]
    for tid in ids[:4]:  # only 4 resolved: the resolve median is withheld, the count shown
        move(
            url,
            tid,
            ("diverifikasi", base + dt.timedelta(days=1)),
            ("diproses", base + dt.timedelta(days=1)),
            ("selesai", base + dt.timedelta(days=3)),
        )
    f = tr.figures(period(), url=url, max_age=0)
    assert f["complaints"]["total"] == 6
    assert f["complaints"]["median_days_to_resolve"] is None
    assert f["complaints"]["median_days_to_first_response"] is None
    exact = tr.figures(period(), url=url, suppress=False, max_age=0)
    assert exact["complaints"]["median_days_to_resolve"] == 3.0


def test_satisfaction_average_withheld_below_five_and_distribution(url):
    ids = [complaint(url, i=i) for i in range(6)]
    for tid, score in zip(ids[:4], (5, 5, 4, 1), strict=True):
        ratings.record_rating("ticket", tid, score, "sms", agency="dinas_pupr", url=url)
    f = tr.figures(period(), url=url, max_age=0)
    assert f["satisfaction"]["responses"] == "<5"
    assert f["satisfaction"]["average"] is None
    assert set(f["satisfaction"]["distribution"].values()) == {"<5"}
    ratings.record_rating("ticket", ids[4], 5, "sms", agency="dinas_pupr", url=url)
    ratings.record_rating("ticket", ids[5], 5, "sms", agency="dinas_pupr", url=url)
    f = tr.figures(period(), url=url, max_age=0)
    s = f["satisfaction"]
    assert s["responses"] == 6
    assert s["average"] == pytest.approx(25 / 6, abs=0.01)
    assert s["distribution"]["5"] == "<5"  # 4 fives: below 5
    assert list(s["distribution"]) == ["1", "2", "3", "4", "5"]


def test_one_hidden_cell_beside_a_total_hides_the_next_smallest(url):
    for i in range(7):
        complaint(url, category="jalan_rusak", i=i)
    for i in range(6):
        complaint(url, category="sampah", i=i)
    complaint(url, category="banjir")
    f = tr.figures(period(), url=url, max_age=0)
    cats = f["complaints"]["by_category"]
    assert f["complaints"]["total"] == 14
    # banjir (1) alone would be 14 - 7 - 6; the smallest shown cell (sampah) is hidden too.
    assert cats == {"banjir": "<5", "jalan_rusak": 7, "sampah": "<5"}


def test_period_bounds_exclude_outside_tickets(url):
    p = tr.parse_period("2026-01-05", "2026-01-11", now=dt.date(2026, 3, 1))
    inside = dt.datetime(2026, 1, 11, 23, 59)
    for i in range(5):
        complaint(url, created=inside, i=i)
    complaint(url, created=dt.datetime(2026, 1, 12, 0, 0))  # first second after the period
    complaint(url, created=dt.datetime(2026, 1, 4, 23, 59))  # just before
    f = tr.figures(p, url=url, suppress=False, max_age=0)
    assert f["complaints"]["total"] == 5
    assert f["period"] == {"from": "2026-01-05", "to": "2026-01-11"}
    assert [w["week"] for w in f["weekly"]] == ["2026-01-05"]


@pytest.mark.parametrize(
    "start, end, weeks",
    [
        ("2026-02-01", "2026-01-01", None),  # reversed
        ("1999-12-31", "2000-02-01", None),  # too early
        ("2020-01-01", "2026-01-01", None),  # far too long
        ("2026-13-01", None, None),
        ("26-1-1", None, None),
        ("2026-01-01", "2030-01-01", None),  # the future
        (None, None, "0"),
        (None, None, "-3"),
        (None, None, "999999999999"),
        (None, None, "abc"),
        ("2026-01-01", None, "4"),
    ],
)
def test_silly_periods_are_refused(start, end, weeks):
    with pytest.raises(tr.InvalidPeriod):
        tr.parse_period(start, end, weeks, now=dt.date(2026, 3, 1))


def test_default_period_is_twelve_weeks_to_today():
    p = tr.parse_period(None, None, None, now=dt.date(2026, 3, 1))
    assert p.end == dt.date(2026, 3, 1) and (p.end - p.start).days + 1 == 84


def test_no_personal_data_in_published_figures(url):
    ids = [complaint(url, i=i) for i in range(6)]
    for tid in ids:
        ratings.record_rating(
            "ticket", tid, 3, "sms", agency="dinas_pupr", comment=f"{NAME} {PHONE}", url=url
        )
    text = json.dumps(tr.figures(period(), url=url, suppress=False, max_age=0))
    for secret in (NIK, PHONE, NAME, "Melati", "RT 03", *ids):
        assert secret not in text


def test_cache_serves_unchanged_data_and_cheap_changes_show_at_once(url):
    for i in range(5):
        complaint(url, i=i)
    first = tr.figures(period(), url=url, max_age=60)
    assert tr.figures(period(), url=url, max_age=60) is first  # nothing changed: the cache
    complaint(url, i=9)  # a small install computes in milliseconds: recomputed now
    assert tr.figures(period(), url=url, max_age=60)["complaints"]["total"] == 6


def test_stale_figures_are_served_while_one_refresh_runs_and_never_past_twice_max_age(
    url, monkeypatch
):
    import time

    monkeypatch.setattr(tr, "CHEAP_SECONDS", 0.0)  # every computation counts as expensive
    for i in range(5):
        complaint(url, i=i)
    assert tr.figures(period(), url=url, max_age=0.5)["complaints"]["total"] == 5
    complaint(url, i=7)  # stale: served at once, refreshed behind the visitor
    assert tr.figures(period(), url=url, max_age=0.5)["complaints"]["total"] == 5
    deadline = time.monotonic() + 5
    while tr.figures(period(), url=url, max_age=0.5)["complaints"]["total"] != 6:
        assert time.monotonic() < deadline, "background refresh never landed"
        time.sleep(0.05)
    complaint(url, i=8)
    time.sleep(1.1)  # older than twice max_age: computed now, not served stale
    assert tr.figures(period(), url=url, max_age=0.5)["complaints"]["total"] == 7


def test_index_migration_goes_down_and_up_again(tmp_path):
    from alembic import command

    from storage.db import alembic_config

    url = f"sqlite:///{tmp_path / 'mig.db'}"
    upgrade_database(url)

    def indexes() -> set[str]:
        return {i["name"] for i in sa.inspect(get_engine(url)).get_indexes("tickets")}

    assert {"ix_tickets_transparency", "ix_tickets_updated_at"} <= indexes()
    command.downgrade(alembic_config(url), "0300_ratings")
    dispose_engines()
    assert not {"ix_tickets_transparency", "ix_tickets_updated_at"} & indexes()
    command.upgrade(alembic_config(url), "heads")
    dispose_engines()
    assert {"ix_tickets_transparency", "ix_tickets_updated_at"} <= indexes()
    dispose_engines()


def test_agency_and_weekly_margins_cannot_be_recovered_by_subtraction(url):
    this_week = now() - dt.timedelta(hours=1)
    last_week = this_week - dt.timedelta(days=7)
    for i in range(7):
        complaint(url, agency="dinas_pupr", created=this_week, i=i)
    for i in range(2):
        complaint(url, agency="dukcapil", category="adminduk", created=last_week, i=i)
    f = tr.figures(period(), url=url, max_age=0)
    assert f["complaints"]["total"] == 9
    assert f["agencies"]["dinas_pupr"]["complaints"] == "<5"  # else 9 - 7 = 2 for dukcapil
    assert f["agencies"]["dukcapil"]["complaints"] == "<5"
    shown_weeks = [w["complaints"] for w in f["weekly"] if w["complaints"] != "<5"]
    assert shown_weeks == []  # 7 shown beside 9 would give the other week's 2 away
    exact = tr.figures(period(), url=url, suppress=False, max_age=0)
    assert sorted(w["complaints"] for w in exact["weekly"] if w["complaints"]) == [2, 7]
