"""Aggregate figures for the public transparency page, the open data CSV and the staff view.

Why a module of its own: the public page must show only aggregates, and the rule that makes an
aggregate safe to publish (any count below 5 shown as "<5", figures derived from such a cell
withheld) must be applied in exactly one place, `publish`. Everything public goes through it;
the staff view calls it with `suppress=False`.

Where the work happens:
- `_ticket_counts`: ONE grouped query over `tickets` (day, kind, agency, category/service,
  status) for the period; totals, weekly series and every breakdown are sums over its rows (a
  few thousand at most, whatever the number of tickets).
- `_timings`: days to the first status change and to `selesai`, and whether `selesai` came by
  the target date (`due_at`), per agency. On PostgreSQL the medians are computed in SQL
  (percentile_cont with GROUPING SETS); SQLite (embedded profile) has no percentile function,
  so it returns one row per complaint and Python takes the median - fine at embedded scale.
- `_rating_counts`: ratings grouped by day, agency and score. Only `score`, `agency` and the
  date are read: the sealed comment never is.

Nothing here returns free text, names, phone numbers, NIK, ticket ids or locations: the queries
do not select those columns at all.

`figures()` caches the published result per period, scope and suppression (CACHE_ENTRIES at
most): fresh for CACHE_SECONDS, then served while one thread recomputes it, never older than
60 s (issue 14). See the cache section below.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from storage.db import database_url, get_engine
from storage.models import STATUSES, utcnow

logger = logging.getLogger(__name__)

THRESHOLD = 5  # counts below this are published as SUPPRESSED
SUPPRESSED = "<5"
DEFAULT_WEEKS = 12
MAX_DAYS = 366 * 2  # longest period a caller may ask for
EARLIEST = dt.date(2000, 1, 1)
CACHE_SECONDS = 30.0
CACHE_ENTRIES = 256
NO_AGENCY = "tanpa_instansi"  # ratings of handoffs whose agency is unknown
CHEAP_SECONDS = 0.15  # a computation faster than this is redone whenever the data changed
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="transparency")


class InvalidPeriod(ValueError):
    """A period the page refuses: unreadable dates, reversed, too long, or out of range."""


@dataclass(frozen=True)
class Period:
    """Inclusive calendar dates (UTC), `start` <= `end`."""

    start: dt.date
    end: dt.date

    @property
    def lower(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time())

    @property
    def upper(self) -> dt.datetime:
        """Exclusive upper bound: midnight after `end`."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time())

    def weeks(self) -> list[dt.date]:
        """Monday of every week that overlaps the period, oldest first."""
        first = self.start - dt.timedelta(days=self.start.weekday())
        out = []
        while first <= self.end:
            out.append(first)
            first += dt.timedelta(days=7)
        return out


def today() -> dt.date:
    return utcnow().date()


def default_period(now: dt.date | None = None) -> Period:
    """The last 12 weeks up to and including today."""
    end = now or today()
    return Period(end - dt.timedelta(weeks=DEFAULT_WEEKS) + dt.timedelta(days=1), end)


def parse_period(
    start: str | None, end: str | None, weeks: str | None = None, now: dt.date | None = None
) -> Period:
    """A period from query parameters (`dari`, `sampai` as YYYY-MM-DD, or `minggu` = weeks).

    Raises InvalidPeriod for anything unreadable or silly: callers answer 400.
    """
    now = now or today()
    if weeks not in (None, ""):
        if start or end:
            raise InvalidPeriod("Pilih 'minggu' atau 'dari'/'sampai', bukan keduanya.")
        text = str(weeks).strip()
        if not text.isdigit() or len(text) > 3 or not 1 <= int(text) <= MAX_DAYS // 7:
            raise InvalidPeriod(f"'minggu' harus angka 1 sampai {MAX_DAYS // 7}.")
        return Period(now - dt.timedelta(weeks=int(text)) + dt.timedelta(days=1), now)
    if not start and not end:
        return default_period(now)
    end_date = _date(end, "sampai") if end else now
    start_date = (
        _date(start, "dari")
        if start
        else end_date - dt.timedelta(weeks=DEFAULT_WEEKS) + dt.timedelta(days=1)
    )
    if start_date > end_date:
        raise InvalidPeriod("Tanggal 'dari' harus sebelum 'sampai'.")
    if start_date < EARLIEST or end_date > now + dt.timedelta(days=1):
        raise InvalidPeriod("Tanggal di luar rentang yang tersedia.")
    if (end_date - start_date).days + 1 > MAX_DAYS:
        raise InvalidPeriod(f"Periode paling panjang {MAX_DAYS} hari.")
    return Period(start_date, end_date)


def _date(text: str, name: str) -> dt.date:
    text = text.strip()
    if len(text) != 10:
        raise InvalidPeriod(f"'{name}' harus berformat TTTT-BB-HH.")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidPeriod(f"'{name}' harus berformat TTTT-BB-HH.") from None


# --- raw aggregates (exact counts; never published as they are) ------------------------------


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _scope_clause(column: str, agencies: list[str] | None, params: dict[str, Any]) -> str:
    if agencies is None:
        return ""
    names = []
    for i, agency in enumerate(agencies):
        params[f"ag{i}"] = agency
        names.append(f":ag{i}")
    return f" AND {column} IN ({', '.join(names) or 'NULL'})"


def _ticket_counts(conn: sa.engine.Connection, period: Period, agencies: list[str] | None):
    params: dict[str, Any] = {"lo": period.lower, "hi": period.upper}
    sql = (
        "SELECT date(created_at) AS d, kind, agency, category_or_service, status, COUNT(*) "
        "FROM tickets WHERE created_at >= :lo AND created_at < :hi"
        + _scope_clause("agency", agencies, params)
        + " GROUP BY date(created_at), kind, agency, category_or_service, status"
    )
    return [
        (_as_date(d), kind, agency, cat, status, int(n))
        for d, kind, agency, cat, status, n in conn.execute(sa.text(sql), params)
    ]


def _rating_counts(conn: sa.engine.Connection, period: Period, agencies: list[str] | None):
    params: dict[str, Any] = {"lo": period.lower, "hi": period.upper}
    sql = (
        "SELECT date(created_at) AS d, agency, score, COUNT(*) FROM ratings "
        "WHERE created_at >= :lo AND created_at < :hi"
        + _scope_clause("agency", agencies, params)
        + " GROUP BY date(created_at), agency, score"
    )
    return [
        (_as_date(d), agency or NO_AGENCY, int(score), int(n))
        for d, agency, score, n in conn.execute(sa.text(sql), params)
    ]


# Per complaint: when it was created, its first status change after `diterima`, its first
# `selesai`, and its target date. The history is aggregated once per ticket (history rows of
# tickets created in the period are all at or after its start) and joined, which PostgreSQL
# answers from ix_tsh_ticket_event_status_at (index-only) in one pass; a correlated subquery
# per complaint was twice as slow at 100,000 tickets.
_PER_COMPLAINT = """
SELECT t.agency AS agency, t.created_at AS created_at, t.due_at AS due_at,
  x.first_at AS first_at, x.done_at AS done_at
FROM tickets t LEFT JOIN (
  SELECT ticket_id,
    MIN(at) AS first_at,
    MIN(CASE WHEN status = 'selesai' THEN at END) AS done_at
  FROM ticket_status_history
  WHERE event = 'status' AND status <> 'diterima' AND at >= :lo
  GROUP BY ticket_id
) x ON x.ticket_id = t.id
WHERE t.kind = 'complaint' AND t.created_at >= :lo AND t.created_at < :hi{scope}
"""

_PG_TIMINGS = """
SELECT agency, GROUPING(agency) AS overall,
  COUNT(first_at) AS n_first,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (first_at - created_at)))
    FILTER (WHERE first_at IS NOT NULL) AS first_s,
  COUNT(done_at) AS n_done,
  percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (done_at - created_at)))
    FILTER (WHERE done_at IS NOT NULL) AS done_s,
  COUNT(*) FILTER (WHERE due_at IS NOT NULL AND (done_at IS NOT NULL OR due_at < :now))
    AS n_due,
  COUNT(*) FILTER (WHERE due_at IS NOT NULL AND done_at IS NOT NULL AND done_at <= due_at)
    AS n_on_time
FROM ({inner}) c
GROUP BY GROUPING SETS ((agency), ())
"""


@dataclass
class Timing:
    """Exact timing figures of one cell (an agency, or every agency)."""

    n_first: int = 0
    median_first_days: float | None = None
    n_done: int = 0
    median_done_days: float | None = None
    n_due: int = 0  # complaints whose target date has passed or that are resolved
    n_on_time: int = 0  # of those, resolved (`selesai`) by the target date

    @property
    def within_target_rate(self) -> float | None:
        return self.n_on_time / self.n_due if self.n_due else None


def _timings(
    conn: sa.engine.Connection, period: Period, agencies: list[str] | None, now: dt.datetime
) -> tuple[Timing, dict[str, Timing]]:
    params: dict[str, Any] = {"lo": period.lower, "hi": period.upper, "now": now}
    inner = _PER_COMPLAINT.format(scope=_scope_clause("t.agency", agencies, params))
    if conn.dialect.name == "postgresql":
        overall, per_agency = Timing(), {}
        for row in conn.execute(sa.text(_PG_TIMINGS.format(inner=inner)), params):
            cell = Timing(
                int(row.n_first),
                None if row.first_s is None else float(row.first_s) / 86400,
                int(row.n_done),
                None if row.done_s is None else float(row.done_s) / 86400,
                int(row.n_due),
                int(row.n_on_time),
            )
            if row.overall:
                overall = cell
            else:
                per_agency[row.agency] = cell
        return overall, per_agency
    return _timings_in_python(conn.execute(sa.text(inner), params), now)


def _parse_dt(value: Any) -> dt.datetime | None:
    if value is None or isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(str(value))


def _timings_in_python(rows, now: dt.datetime) -> tuple[Timing, dict[str, Timing]]:
    firsts: dict[str | None, list[float]] = defaultdict(list)
    dones: dict[str | None, list[float]] = defaultdict(list)
    due: dict[str | None, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        created, first, done, due_at = (
            _parse_dt(row.created_at),
            _parse_dt(row.first_at),
            _parse_dt(row.done_at),
            _parse_dt(row.due_at),
        )
        for key in (row.agency, None):  # None collects every agency
            if first is not None:
                firsts[key].append((first - created).total_seconds() / 86400)
            if done is not None:
                dones[key].append((done - created).total_seconds() / 86400)
            if due_at is not None and (done is not None or due_at < now):
                due[key][0] += 1
                if done is not None and done <= due_at:
                    due[key][1] += 1

    def cell(key: str | None) -> Timing:
        f, d = firsts.get(key, []), dones.get(key, [])
        n_due, n_on_time = due.get(key, [0, 0])
        return Timing(
            len(f),
            statistics.median(f) if f else None,
            len(d),
            statistics.median(d) if d else None,
            n_due,
            n_on_time,
        )

    keys = {k for k in (*firsts, *dones, *due) if k is not None}
    return cell(None), {k: cell(k) for k in keys}


@dataclass
class Raw:
    """Exact aggregates for one period and scope: the input of `publish`."""

    period: Period
    tickets: list[tuple[dt.date, str, str, str, str, int]]
    ratings: list[tuple[dt.date, str, int, int]]
    timing: Timing
    timing_by_agency: dict[str, Timing]
    agency_names: dict[str, str]


def collect(period: Period, agencies: list[str] | None = None, url: str | None = None) -> Raw:
    """Run the aggregate queries (read only). `agencies=None` = every agency.

    On PostgreSQL the slow one (timings) runs on its own connection in a second thread while
    the two grouped counts run here: the server works on both at once (two backends)."""
    engine = get_engine(database_url(url))
    now = utcnow()

    def timings() -> tuple[Timing, dict[str, Timing]]:
        with engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                # The medians sort one value per complaint: keep that sort in memory.
                conn.execute(sa.text("SET LOCAL work_mem = '32MB'"))
            return _timings(conn, period, agencies, now)

    parallel = engine.dialect.name == "postgresql"
    pending = _POOL.submit(timings) if parallel else None
    with engine.connect() as conn:
        tickets = _ticket_counts(conn, period, agencies)
        ratings = _rating_counts(conn, period, agencies)
        names = {
            str(i): str(n)
            for i, n in conn.execute(sa.text("SELECT id, name FROM console_agencies"))
        }
    timing, by_agency = pending.result() if pending is not None else timings()
    return Raw(period, tickets, ratings, timing, by_agency, names)


def data_version(url: str | None = None) -> tuple:
    """A cheap fingerprint of the data the figures read (index look-ups, no scan): the latest
    change of a ticket (a status change updates it) and of a rating, and the agency count."""
    with get_engine(database_url(url)).connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT (SELECT MAX(updated_at) FROM tickets), "
                "(SELECT MAX(updated_at) FROM ratings), "
                "(SELECT COUNT(*) FROM console_agencies)"
            )
        ).one()
    return tuple(str(v) for v in row)


# --- publishing: the one place where suppression happens -------------------------------------


def _sum(pairs) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for key, n in pairs:
        out[key] += n
    return dict(sorted(out.items()))


def publish(raw: Raw, suppress: bool = True, generated_at: dt.datetime | None = None) -> dict:
    """The figures as the page, the JSON and the CSV show them.

    With `suppress` (the public): every count below THRESHOLD becomes "<5"; a median, average,
    rate or distribution whose cell counts fewer than THRESHOLD items becomes None (withheld);
    and in a breakdown beside a published total (per status, category, agency, week, score) the
    smallest shown cells are hidden too until the hidden cells add up to 0 or at least
    THRESHOLD, so nobody can recover a small cell by subtraction.
    """

    def count(n: int) -> int | str:
        return SUPPRESSED if suppress and n < THRESHOLD else n

    def derived(value: float | None, n: int, digits: int = 1) -> float | None:
        if value is None or (suppress and n < THRESHOLD):
            return None
        return round(value, digits)

    def group(counts: dict, total: int) -> dict:
        out = {k: count(v) for k, v in counts.items()}
        if suppress and total >= THRESHOLD:
            # The hidden cells add up to total minus the shown ones: keep that sum 0 (only
            # zeros hidden) or at least THRESHOLD, hiding the smallest shown cells as needed.
            shown = sorted((v, str(k), k) for k, v in counts.items() if out[k] != SUPPRESSED)
            hidden_sum = sum(v for k, v in counts.items() if out[k] == SUPPRESSED)
            while 0 < hidden_sum < THRESHOLD and shown:
                value, _name, key = shown.pop(0)
                out[key] = SUPPRESSED
                hidden_sum += value
        return out

    complaints = [r for r in raw.tickets if r[1] == "complaint"]
    applications = [r for r in raw.tickets if r[1] == "application"]
    c_total = sum(r[5] for r in complaints)
    a_total = sum(r[5] for r in applications)
    c_by_agency = _sum((r[2], r[5]) for r in complaints)

    def satisfaction(rows) -> dict[str, Any]:
        dist = {str(s): 0 for s in range(1, 6)}
        for _d, _agency, score, n in rows:
            dist[str(score)] += n
        responses = sum(dist.values())
        average = sum(int(s) * n for s, n in dist.items()) / responses if responses else None
        return {
            "responses": count(responses),
            "average": derived(average, responses, 2),
            "distribution": group(dist, responses)
            if responses >= THRESHOLD or not suppress
            else dict.fromkeys(dist, SUPPRESSED),
        }

    def timing(cell: Timing) -> dict[str, Any]:
        return {
            "median_days_to_first_response": derived(cell.median_first_days, cell.n_first),
            "median_days_to_resolve": derived(cell.median_done_days, cell.n_done),
            "within_target_rate": derived(cell.within_target_rate, cell.n_due, 3),
            "within_target_counted": count(cell.n_due),
        }

    ratings_by_agency: dict[str, list] = defaultdict(list)
    for r in raw.ratings:
        ratings_by_agency[r[1]].append(r)
    responses_total = sum(r[3] for r in raw.ratings)
    # Per-agency cells are margins of published totals: suppress them as one group each, so a
    # hidden agency cannot be recovered as "total minus the others".
    agency_complaints = group(c_by_agency, c_total)
    agency_responses = group(
        {a: sum(r[3] for r in rows) for a, rows in ratings_by_agency.items()}, responses_total
    )
    agency_due = group({a: t.n_due for a, t in raw.timing_by_agency.items()}, raw.timing.n_due)
    agencies_detail = {}
    for agency in sorted(set(c_by_agency) | set(ratings_by_agency)):
        cell_timing = timing(raw.timing_by_agency.get(agency, Timing()))
        cell_timing["within_target_counted"] = agency_due.get(agency, count(0))
        if cell_timing["within_target_counted"] == SUPPRESSED:
            cell_timing["within_target_rate"] = None
        cell_satisfaction = satisfaction(ratings_by_agency.get(agency, []))
        cell_satisfaction["responses"] = agency_responses.get(agency, count(0))
        if cell_satisfaction["responses"] == SUPPRESSED:
            cell_satisfaction["average"] = None
            cell_satisfaction["distribution"] = dict.fromkeys(
                cell_satisfaction["distribution"], SUPPRESSED
            )
        agencies_detail[agency] = {
            "name": raw.agency_names.get(agency, agency),
            "complaints": agency_complaints.get(agency, count(0)),
            **cell_timing,
            "satisfaction": cell_satisfaction,
        }

    weeks = raw.period.weeks()

    def week_of(day: dt.date) -> dt.date:
        return day - dt.timedelta(days=day.weekday())

    by_week: dict[dt.date, list] = defaultdict(list)
    apps_by_week: dict[dt.date, int] = defaultdict(int)
    ratings_by_week: dict[dt.date, list] = defaultdict(list)
    for r in complaints:
        by_week[week_of(r[0])].append(r)
    for r in applications:
        apps_by_week[week_of(r[0])] += r[5]
    for r in raw.ratings:
        ratings_by_week[week_of(r[0])].append(r)

    # The weekly series are margins of the period's totals too.
    week_complaints = group({m: sum(r[5] for r in by_week.get(m, [])) for m in weeks}, c_total)
    week_apps = group({m: apps_by_week.get(m, 0) for m in weeks}, a_total)
    week_responses = group(
        {m: sum(r[3] for r in ratings_by_week.get(m, [])) for m in weeks}, responses_total
    )

    weekly = []
    for monday in weeks:
        key = monday.isoformat()
        week_sat = satisfaction(ratings_by_week.get(monday, []))
        week_sat["responses"] = week_responses[monday]
        if week_sat["responses"] == SUPPRESSED:
            week_sat["average"] = None
            week_sat["distribution"] = dict.fromkeys(week_sat["distribution"], SUPPRESSED)
        week_c = by_week.get(monday, [])
        w_total = sum(r[5] for r in week_c)
        weekly.append(
            {
                "week": key,
                "complaints": week_complaints[monday],
                "by_category": group(_sum((r[3], r[5]) for r in week_c), w_total),
                "by_agency": group(_sum((r[2], r[5]) for r in week_c), w_total),
                "by_status": group(_sum((r[4], r[5]) for r in week_c), w_total),
                "applications": week_apps[monday],
                "satisfaction": week_sat,
            }
        )

    overall_timing = timing(raw.timing)
    statuses = _sum((r[4], r[5]) for r in complaints)
    a_statuses = _sum((r[4], r[5]) for r in applications)
    return {
        "generated_at": (generated_at or utcnow()).replace(microsecond=0).isoformat() + "Z",
        "period": {"from": raw.period.start.isoformat(), "to": raw.period.end.isoformat()},
        "suppression": {"threshold": THRESHOLD, "marker": SUPPRESSED, "applied": suppress},
        "complaints": {
            "total": count(c_total),
            "by_status": group({s: statuses[s] for s in STATUSES if s in statuses}, c_total),
            "by_category": group(_sum((r[3], r[5]) for r in complaints), c_total),
            "by_agency": group(c_by_agency, c_total),
            **overall_timing,
        },
        "satisfaction": satisfaction(raw.ratings),
        "applications": {
            "total": count(a_total),
            "by_service": group(_sum((r[3], r[5]) for r in applications), a_total),
            "by_status": group({s: a_statuses[s] for s in STATUSES if s in a_statuses}, a_total),
        },
        "agencies": agencies_detail,
        "weekly": weekly,
    }


# --- cache ---------------------------------------------------------------------------------
#
# Each entry remembers when it was computed, how long that took, and `data_version()` then.
# - Same data version and younger than CACHE_SECONDS: served as is.
# - Data changed and the computation is cheap (< CHEAP_SECONDS, a small install): recomputed
#   now, so a complaint closed a second ago already shows.
# - Otherwise (a city's data, where something changes every second): served while ONE
#   background thread recomputes (stale-while-revalidate), as long as it is younger than
#   2 * CACHE_SECONDS (60 s); older, it is recomputed before answering.
# Concurrent misses for the same key compute once (single flight).


@dataclass
class _Entry:
    stamp: float
    result: dict
    version: tuple
    cost: float


_cache: dict[tuple, _Entry] = {}
_cache_lock = threading.Lock()
_inflight: dict[tuple, threading.Lock] = {}
_refreshing: set[tuple] = set()


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _compute_entry(compute, url: str) -> _Entry:  # type: ignore[no-untyped-def]
    stamp = time.monotonic()
    version = data_version(url)
    result = compute()
    return _Entry(stamp, result, version, time.monotonic() - stamp)


def _store(key: tuple, entry: _Entry) -> None:
    with _cache_lock:
        if len(_cache) >= CACHE_ENTRIES and key not in _cache:
            for old in sorted(_cache, key=lambda k: _cache[k].stamp)[: CACHE_ENTRIES // 4]:
                del _cache[old]
        _cache[key] = entry


def _refresh_in_background(key: tuple, compute, url: str) -> None:  # type: ignore[no-untyped-def]
    with _cache_lock:
        if key in _refreshing:
            return
        _refreshing.add(key)

    def work() -> None:
        try:
            _store(key, _compute_entry(compute, url))
        except Exception:  # the stale figures stay; the next request retries
            logger.exception("Transparency figures: background refresh failed")
        finally:
            with _cache_lock:
                _refreshing.discard(key)

    threading.Thread(target=work, name="transparency-refresh", daemon=True).start()


def figures(
    period: Period,
    agencies: list[str] | None = None,
    suppress: bool = True,
    url: str | None = None,
    max_age: float | None = None,
) -> dict:
    """Published figures, fresh within `max_age` seconds (default CACHE_SECONDS), never older
    than twice that; `max_age=0` computes them now and caches nothing."""
    max_age = CACHE_SECONDS if max_age is None else max_age
    url = database_url(url)
    scope = tuple(agencies) if agencies is not None else None

    def compute() -> dict:
        return publish(collect(period, list(scope) if scope is not None else None, url), suppress)

    if max_age <= 0:
        return compute()
    key = (url, period, scope, suppress)
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None:
        age = time.monotonic() - hit.stamp
        changed = data_version(url) != hit.version
        if age < max_age and not changed:
            return hit.result
        if age < 2 * max_age and hit.cost >= CHEAP_SECONDS:
            _refresh_in_background(key, compute, url)
            return hit.result
    with _cache_lock:
        flight = _inflight.setdefault(key, threading.Lock())
    with flight:
        with _cache_lock:
            again = _cache.get(key)
        if again is not None and again is not hit and time.monotonic() - again.stamp < max_age:
            return again.result  # computed by the caller we waited for
        entry = _compute_entry(compute, url)
        _store(key, entry)
    with _cache_lock:
        _inflight.pop(key, None)
    return entry.result
