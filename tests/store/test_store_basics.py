"""Recording, listing, diffing and the report's history view, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from pulsecheck.reporters.json_format import ReportFormatError, load_report, render
from pulsecheck.serialize import report_from_dict
from pulsecheck.store import RepoIdentity, StoreError, open_store, record_and_attach

from .conftest import make_report

APP = RepoIdentity("github.com/org/app", "main")


def test_record_list_and_diff_by_fingerprint(store_url: str) -> None:
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    with open_store(store_url) as store:
        a = store.record(make_report(range(0, 100), when=t0), APP)
        b = store.record(make_report(range(10, 120), when=t0 + timedelta(days=1)), APP)
        store.record(make_report(range(0, 5), when=t0 + timedelta(days=2)), RepoIdentity("github.com/org/other", "main"))
        store.record(make_report(range(0, 5), when=t0 + timedelta(days=3)), RepoIdentity("github.com/org/app", "dev"))
        runs = store.runs("github.com/org/app", "main")
        assert [r.run_id for r in runs] == [b.run_id, a.run_id]  # newest first, only this repo+branch
        assert runs[0].total == 110 and sum(runs[0].counts.values()) == 110
        assert {r.repository for r in store.runs()} == {"github.com/org/app", "github.com/org/other"}
        d = store.diff(a, b)
        new_titles = {f.title for f in d.new}
        assert new_titles == {f"finding {i}" for i in range(100, 120)}
        assert {f.title for f in d.fixed} == {f"finding {i}" for i in range(0, 10)}
        assert len(d.unchanged) == 90
        assert store.run(a.run_id[:8]) == a


def test_view_has_trend_and_first_seen_of_this_branch(store_url: str) -> None:
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    with open_store(store_url) as store:
        store.record(make_report(range(0, 3), when=t0), APP)
        store.record(make_report(range(0, 5), when=t0 + timedelta(days=1)), RepoIdentity(APP.key, "feature"))
        report = make_report(range(0, 5), when=t0 + timedelta(days=2))
        summary = store.record(report, APP)
        view = store.view(summary, [f.fingerprint for f in report.findings])
    assert [p["finished_at"][:10] for p in view["trend"]] == ["2026-11-01", "2026-11-03"]
    assert view["trend"][-1]["run_id"] == report.run_id
    by_id = {f.identity: f.fingerprint for f in report.findings}
    assert view["first_seen"][by_id["id-0"]].startswith("2026-11-01")
    assert view["first_seen"][by_id["id-4"]].startswith("2026-11-03")  # the feature branch does not count


def test_an_older_report_recorded_late_moves_first_seen_back(store_url: str) -> None:
    t0 = datetime(2026, 11, 10, tzinfo=UTC)
    with open_store(store_url) as store:
        late = store.record(make_report(range(3), when=t0), APP)
        store.record(make_report(range(3), when=t0 - timedelta(days=5)), APP)
        view = store.view(late, [f.fingerprint for f in make_report(range(3)).findings])
    assert all(v.startswith("2026-11-05") for v in view["first_seen"].values())


def test_recording_twice_is_idempotent(store_url: str) -> None:
    report = make_report(range(20))
    with open_store(store_url) as store:
        store.record(report, APP)
        store.record(report, APP)
        assert len(store.runs(APP.key)) == 1 and store.runs(APP.key)[0].total == 20


def test_history_round_trips_in_the_json_report(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    record_and_attach(make_report(range(5), path=str(tmp_path)), url)
    report, _summary, _s = record_and_attach(make_report(range(3, 8), path=str(tmp_path)), url)
    assert len(report.history["trend"]) == 2 and len(report.history["first_seen"]) == 5
    data = load_report(render(report))  # validates against the schema
    assert data["history"] == json.loads(json.dumps(report.history))
    assert report_from_dict(data).history == data["history"]
    no_history = json.loads(render(make_report(range(2))))
    assert "history" not in no_history  # reports without a store keep their shape


def test_schema_rejects_a_malformed_history(tmp_path) -> None:  # type: ignore[no-untyped-def]
    report, _s, _t = record_and_attach(make_report(range(2), path=str(tmp_path)), f"sqlite:///{tmp_path / 'h.sqlite'}")
    data = json.loads(render(report))
    data["history"]["trend"][0]["counts"]["urgent"] = 1
    with pytest.raises(ReportFormatError, match="urgent"):
        load_report(json.dumps(data))


def test_unsupported_and_bad_urls_are_one_line_errors(tmp_path) -> None:  # type: ignore[no-untyped-def]
    for url, words in (("mysql://u@h/db", "unsupported"), ("sqlite://", "in-memory"), ("::nope", "not a store URL")):
        with pytest.raises(StoreError, match=words):
            open_store(url)


def test_password_never_in_messages(pg_server) -> None:  # type: ignore[no-untyped-def]
    url = pg_server.url("no_such_database")
    with pytest.raises(StoreError) as caught:
        open_store(url)
    assert pg_server.password not in str(caught.value) and "\n" not in str(caught.value)


def test_a_stage_that_did_not_complete_never_reads_as_a_fix(store_url: str) -> None:
    import dataclasses

    from pulsecheck.model import Completed, Errored, StageResult

    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    a_report = dataclasses.replace(make_report(range(10), when=t0),
                                   stages=(StageResult("secrets", Completed(findings=()), 1.0),))
    b_report = dataclasses.replace(make_report(range(3), when=t0 + timedelta(days=1)),
                                   stages=(StageResult("secrets", Errored(reason="timeout", kind="timeout"), 1.0),))
    with open_store(store_url) as store:
        d = store.diff(store.record(a_report, APP), store.record(b_report, APP))
    assert d.fixed == () and len(d.not_rechecked) == 7 and len(d.unchanged) == 3
    assert d.to_json()["counts"]["not_rechecked"] == 7
