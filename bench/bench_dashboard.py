"""Dashboard benchmark: filtered dashboard pages over a survey with millions of responses,
read from the cells kept in the database (servq.store.cells), served by several workers.

Builds a SERVQUAL survey with ``--n`` simulated responses over the last 365 days (3 regions
x 4 branches, 3 channels and none, 2 tiers and none, 3 languages; the answers of
``servq.simulate``, ~4 % missing), stored in big batches, then makes the cells with
``servq.store.cells.rebuild`` (what ``servq db rebuild-cells`` runs). Starts ``servq serve
--workers N`` on it, signs in, and times the first dashboard page and report after the
start (and again after a restart); then requests, for each of a set of filters (all, a
region's subtree, a branch, a channel, a tier, a language, the last 30 days, a quarter, a
custom range, combinations, and as a branch manager), the dashboard page and the framed
report it shows, ``--rounds`` times each, while respondents keep submitting (``--live``
per second). Prints p50 / p95 / max per kind of page and the resident memory of every
worker process.

    python bench/bench_dashboard.py [--n 1000000] [--rounds 3] [--db sqlite|postgresql] [--workers 4] [--live 20]
                                    [--schema NAME]

PostgreSQL receives the responses by COPY. With ``--schema`` the data stay in that schema
(``drop schema NAME cascade`` removes them) and a later run with it times the pages again.

Targets (issue 17): first page after a start < 1 s, page p95 < 200 ms, report p95 < 500 ms,
< 300 MB per worker. Always exits 0 (a benchmark, not a test).
"""

from __future__ import annotations

import argparse
import random
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_analyze import machine  # noqa: E402
from bench_web import POSTGRES, Server, body, database, free_port  # noqa: E402

TARGETS = {"first": 1.0, "dashboard": 0.200, "report": 0.500, "rss_mb": 300}
PASSWORD = "bench-password-123"
ANSWERS = [f"{p}{i}" for p in "EP" for i in range(1, 23)] + [
    f"W_{d}" for d in ("tangibles", "reliability", "responsiveness", "assurance", "empathy")] + [
    "overall_satisfaction", "recommend", "intention_to_return"]


def build(url: str, n: int, seed: int = 1) -> dict:
    """The organisation, users, the survey and ``n`` responses; returns their ids."""
    import numpy as np
    from sqlalchemy import insert

    import servq
    from servq.store.db import make_engine, session_factory, transaction, upgrade
    from servq.store.models import Channel, Response, Tier
    from servq.web import accounts, org, surveys

    engine = make_engine(url)
    upgrade(engine)
    with transaction(session_factory(engine)) as s:
        admin = accounts.create_user(s, "bench@example.org", PASSWORD, "administrator")
        regions, branches = [], []
        for r in range(3):
            region = org.add_unit(s, f"Region {r + 1}", "region", None, admin)
            regions.append(region.id)
            branches += [org.add_unit(s, f"Branch {r + 1}.{b + 1}", "branch", region.id, admin).id for b in range(4)]
        channels = [surveys.add_named(s, Channel, name, admin).id for name in ("branch", "phone", "web")]
        tiers = [surveys.add_named(s, Tier, name, admin).id for name in ("private", "business")]
        survey = surveys.create_survey(s, surveys.SurveyForm(
            title="Bench", instrument="servqual", languages=["en", "sv", "zh"], unit_ids=[str(b) for b in branches],
            channel_ids=[str(c) for c in channels]), admin)
        accounts.create_user(s, "manager@example.org", PASSWORD, "unit_manager", unit_id=branches[0])
        ids = {"survey": survey.id, "slug": survey.slug, "regions": regions, "branches": branches,
               "channels": channels, "tiers": tiers}
    rng = np.random.default_rng(seed)
    now = datetime.now(UTC)
    chunk = 50_000
    for first in range(0, n, chunk):
        size = min(chunk, n - first)
        answers = servq.simulate("servqual", size, seed=seed + first).select(ANSWERS).to_pylist()
        seconds = rng.integers(0, 365 * 86400, size)
        unit = rng.choice(branches, size)
        channel = rng.choice([None, *channels], size)
        tier = rng.choice([None, *tiers], size)
        lang = rng.choice(["en", "sv", "zh"], size, p=[0.5, 0.3, 0.2])
        rows = [{"key": secrets.token_hex(16), "survey_id": ids["survey"], "unit_id": int(unit[i]),
                 "channel_id": None if channel[i] is None else int(channel[i]),
                 "tier_id": None if tier[i] is None else int(tier[i]), "language": str(lang[i]),
                 "submitted_at": now - timedelta(seconds=int(seconds[i])), "comment": "",
                 "answers": {k: v for k, v in answers[i].items() if v is not None}} for i in range(size)]
        if engine.dialect.name == "postgresql":
            _copy(engine, rows)
        else:
            with engine.begin() as conn:
                conn.execute(insert(Response), rows)
        print(f"  {first + size:,} responses stored", end="\r", flush=True)
    print()
    engine.dispose()
    return ids


def _copy(engine, rows: list[dict]) -> None:
    """Store ``rows`` with PostgreSQL's COPY (several times faster than INSERT for
    millions of rows; a bulk load behind servq's back, so the cells are made afterwards)."""
    import json

    columns = ("key", "survey_id", "unit_id", "channel_id", "tier_id", "language", "submitted_at", "comment", "answers")
    raw = engine.raw_connection()
    try:
        with raw.driver_connection.cursor() as cur, cur.copy(f"COPY responses ({', '.join(columns)}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row([json.dumps(r["answers"]) if c == "answers" else r[c] for c in columns])
        raw.driver_connection.commit()
    finally:
        raw.close()


def make_cells(url: str, survey_id: int) -> None:
    """The survey's cells from its responses (as `servq db rebuild-cells`), timed."""
    from servq.store import cells
    from servq.store.db import make_engine, session_factory, transaction

    engine = make_engine(url)
    started = time.monotonic()
    with transaction(session_factory(engine, wait=3600)) as s:
        done = cells.rebuild(s, survey_id)
    print(f"cells: {done.cells:,} made from {done.responses:,} responses in {time.monotonic() - started:.0f} s")
    engine.dispose()


def worker_memory(server: Server) -> tuple[float, list[float]]:
    """Resident memory (MB) of the server's first process and of each other process of its
    group (uvicorn's workers, and multiprocessing's small resource tracker)."""
    first, others = 0.0, []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            status = (stat.parent / "status").read_text()
        except OSError:
            continue
        if int(fields[2]) == server.proc.pid:  # in the server's process group
            rss = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
            mb = int(rss.split()[1]) / 1024
            if int(stat.parent.name) == server.proc.pid:
                first = mb
            else:
                others.append(mb)
    return first, sorted(others)


class Browser:
    """A signed-in user: the session cookie sent by hand (it is Secure, the bench is http)."""

    def __init__(self, port: int, email: str):
        self.base = f"http://127.0.0.1:{port}"
        self.cookie = ""
        page = self.get("/login")[1]
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"csrf_token": csrf, "email": email, "password": PASSWORD, "next": "/admin"})
        status, _ = self.request("/login", form.encode())
        if status not in (200, 303):
            raise SystemExit(f"sign-in failed for {email}: {status}")

    def request(self, path: str, data: bytes | None = None) -> tuple[int, str]:
        req = urllib.request.Request(self.base + path, data=data, headers={"Cookie": self.cookie})
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(req, timeout=120) as r:
                status, text, headers = r.status, r.read().decode(), r.headers
        except urllib.error.HTTPError as e:
            status, text, headers = e.code, e.read().decode(), e.headers
        for value in headers.get_all("set-cookie") or []:
            if value.startswith("servq_session="):
                self.cookie = value.split(";", 1)[0]
        return status, text

    def get(self, path: str) -> tuple[int, str]:
        return self.request(path)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def filters(ids: dict) -> list[tuple[str, dict]]:
    today = datetime.now(UTC).date()
    return [
        ("all responses", {}),
        ("a region's subtree", {"unit": ids["regions"][0]}),
        ("a branch", {"unit": ids["branches"][5]}),
        ("a channel", {"channel": ids["channels"][1]}),
        ("a tier", {"tier": ids["tiers"][0]}),
        ("a language", {"language": "sv"}),
        ("the last 30 days", {"since": today - timedelta(days=30)}),
        ("a quarter", {"since": (today - timedelta(days=200)).replace(day=1),
                       "until": (today - timedelta(days=110)).replace(day=1)}),
        ("a custom range", {"since": today - timedelta(days=250), "until": today - timedelta(days=17)}),
        ("region + channel + range", {"unit": ids["regions"][2], "channel": ids["channels"][0],
                                      "since": today - timedelta(days=90)}),
        ("branch + language + tier", {"unit": ids["branches"][2], "language": "en", "tier": ids["tiers"][1]}),
        ("by tier and language", {"by": ["tier", "language"]}),
    ]


def query(params: dict) -> str:
    by = params.get("by", ["unit", "channel"])
    pairs = [(k, str(v)) for k, v in params.items() if k != "by"] + [("by", b) for b in by]
    return urllib.parse.urlencode(pairs)


def live_submissions(port: int, ids: dict, per_second: float, stop: threading.Event, done: list) -> None:
    """Respondents keep answering while the pages are timed (the current month grows)."""
    rng = random.Random(3)
    while not stop.is_set() and per_second > 0:
        branch = rng.choice(ids["branches"])
        req = urllib.request.Request(f"http://127.0.0.1:{port}/s/{ids['slug']}/u/{branch}",
                                     data=body(secrets.token_hex(16), rng), method="POST")
        try:
            urllib.request.build_opener(_NoRedirect).open(req, timeout=30)
        except urllib.error.HTTPError as e:  # 303 to the thank-you page: stored
            if e.code != 303:
                done.append(e.code)
        stop.wait(1 / per_second)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--live", type=float, default=20.0, help="submissions per second during the timing")
    ap.add_argument("--workers", type=int, default=1, help="worker processes of servq serve")
    ap.add_argument("--schema", help="PostgreSQL: keep the data in this schema; a later run with the same "
                    "schema times the pages again without storing the responses again")
    args = ap.parse_args()
    print(machine())
    with (kept(args.schema) if args.schema else database(args.db)) as url:
        ids = stored(url) if args.schema else None
        if ids is None:
            started = time.monotonic()
            ids = build(url, args.n)
            print(f"{args.db}: {args.n:,} responses built in {time.monotonic() - started:.0f} s")
        if not ids.get("cells"):
            make_cells(url, ids["survey"])
        run(url, ids, args)


@contextmanager
def kept(schema: str):
    """The URL of PostgreSQL schema ``schema``, made if missing and kept afterwards."""
    from sqlalchemy import text

    from servq.store.db import make_engine

    admin = make_engine(POSTGRES)
    with admin.begin() as conn:
        conn.execute(text(f'create schema if not exists "{schema}"'))
    admin.dispose()
    yield f"{POSTGRES}?options=-csearch_path%3D{schema}"


def stored(url: str) -> dict | None:
    """The ids of a bench survey stored by an earlier run (None: there is none)."""
    from sqlalchemy import func, inspect, select

    from servq.store.db import make_engine, session_factory, upgrade
    from servq.store.models import Cell, Channel, Response, Survey, Tier, Unit

    engine = make_engine(url)
    try:
        if not inspect(engine).has_table("surveys"):
            return None
        upgrade(engine)  # a schema stored by an older servq
        with session_factory(engine)() as s:
            survey = s.scalars(select(Survey).where(Survey.title == "Bench")).first()
            if survey is None:
                return None
            n = s.scalar(select(func.count()).select_from(Response).where(Response.survey_id == survey.id))
            made = s.scalar(select(func.count()).select_from(Cell).where(Cell.survey_id == survey.id))
            print(f"reusing the {n:,} responses of the schema" + (f" and their {made:,} cells" if made else ""))
            units = s.scalars(select(Unit).order_by(Unit.id)).all()
            return {"survey": survey.id, "slug": survey.slug, "regions": [u.id for u in units if u.kind == "region"],
                    "branches": [u.id for u in units if u.kind == "branch"],
                    "channels": list(s.scalars(select(Channel.id).order_by(Channel.id))),
                    "tiers": list(s.scalars(select(Tier.id).order_by(Tier.id))), "cells": made}
    finally:
        engine.dispose()


def start(server: Server, seconds: float = 300) -> float:
    """Start the server; the seconds until it answers (its workers load the program, and
    the analysis code: slow on a busy machine, hence a longer wait than bench_web's)."""
    started = time.monotonic()
    server.proc = subprocess.Popen(server.argv, env=server.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
    while time.monotonic() < started + seconds:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{server.port}/healthz", timeout=1).read()
            return time.monotonic() - started
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"servq serve did not answer within {seconds:.0f} s")


def first_pages(port: int, base: str) -> tuple[float, float]:
    """Seconds to the first dashboard page and the first report of a fresh server."""
    admin = Browser(port, "bench@example.org")
    t = time.monotonic()
    status, _ = admin.get(f"{base}/dashboard")
    first = time.monotonic() - t
    t = time.monotonic()
    admin.get(f"{base}/report?{query({})}")
    return first, time.monotonic() - t


def run(url: str, ids: dict, args) -> None:
    port = free_port()
    server = Server(url, port, args.workers)
    server.env["SERVQ_SUBMIT_LIMIT"] = "0"
    server.env.setdefault("MALLOC_ARENA_MAX", "2")  # glibc: fewer per-thread arenas holding freed memory (docs/web.md)
    base = f"/admin/surveys/{ids['survey']}"
    ready = start(server)
    try:
        first, first_report = first_pages(port, base)
        server.stop()
        ready_again = start(server)
        again, again_report = first_pages(port, base)
        print(f"{args.workers} worker(s), answering {ready:.1f} s after the start ({ready_again:.1f} s after a restart; "
              f"no data is read). First dashboard page after the start: {first * 1000:.0f} ms, its report "
              f"{first_report * 1000:.0f} ms; after a restart: {again * 1000:.0f} ms, {again_report * 1000:.0f} ms "
              f"(target < {TARGETS['first'] * 1000:.0f} ms)", flush=True)
        admin = Browser(port, "bench@example.org")
        manager = Browser(port, "manager@example.org")
        stop, refused = threading.Event(), []
        feeder = threading.Thread(target=live_submissions, args=(port, ids, args.live, stop, refused), daemon=True)
        feeder.start()
        times: dict[str, list[float]] = {"dashboard": [], "report": []}
        worst: dict[str, tuple[float, str]] = {}
        cases = [(name, params, admin) for name, params in filters(ids)] + [("as a branch manager", {}, manager)]
        for _ in range(args.rounds):
            for name, params, who in cases:
                for kind, path in (("dashboard", f"{base}/dashboard?{query(params)}"),
                                   ("report", f"{base}/report?{query(params)}")):
                    t = time.monotonic()
                    status, text = who.get(path)
                    elapsed = time.monotonic() - t
                    if status != 200:
                        raise SystemExit(f"{kind} of '{name}' answered {status}: {text[:300]}")
                    times[kind].append(elapsed)
                    if elapsed > worst.get(kind, (0, ""))[0]:
                        worst[kind] = (elapsed, name)
        stop.set()
        feeder.join()
        supervisor, memory = worker_memory(server)
        if args.workers == 1:
            memory = [supervisor]
        print(f"{len(cases)} filters x {args.rounds} rounds, {args.live:g} submissions/s arriving meanwhile"
              + (f" (refused: {len(refused)})" if refused else ""))
        ok = max(first, again) < TARGETS["first"]
        for kind, values in times.items():
            q = statistics.quantiles(values, n=20)
            print(f"  {kind:9s} p50 {statistics.median(values) * 1000:6.0f} ms   p95 {q[18] * 1000:6.0f} ms   "
                  f"max {max(values) * 1000:6.0f} ms ({worst[kind][1]})   target p95 < {TARGETS[kind] * 1000:.0f} ms")
            ok &= q[18] < TARGETS[kind]
        print(f"  resident memory per worker process (MB): {', '.join(f'{m:.0f}' for m in memory)} "
              f"(target < {TARGETS['rss_mb']} MB); the supervisor {supervisor:.0f} MB")
        ok &= max(memory, default=0) < TARGETS["rss_mb"]
        print(f"  targets: {'PASS' if ok else 'FAIL'}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
