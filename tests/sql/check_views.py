#!/usr/bin/env python3
"""Checks the analyst views (sql/views/*.sql) against a small hand-made warehouse.

Self-contained and fast (no Rust build): applies sql/migrations/*.sql to an in-memory DuckDB,
creates every view in the order of the VIEWS constant of src/warehouse/schema.rs (so a view
that is not registered, or registered out of dependency order, fails here), checks that each
view works on the empty warehouse, then loads two syncs of one company and one sync of a
second company and asserts each view's answer exactly; and every SQL example of
docs/analysts.md runs on that warehouse.

Run: python3 tests/sql/check_views.py  (needs the `duckdb` Python package). Prints
`N passed, M failed` and exits non-zero on any failure.
"""

import json
import re
import sys
import traceback
from datetime import datetime
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
VIEWS_DIR = ROOT / "sql" / "views"

# The bundled DuckDB of the binary has no ICU: views must not need it.
FORBIDDEN = [r"timestamptz", r"\bnow\s*\(", r"current_timestamp", r"current_date",
             r"at\s+time\s+zone", r"\btimezone\s*\(", r"get_current_timestamp"]

T1 = datetime(2024, 1, 1, 0, 1)   # sync 1 of company 1 stored succession data
T2 = datetime(2024, 1, 2, 0, 1)   # sync 2 of company 1
T3 = datetime(2024, 1, 2, 0, 1)   # sync 3 of company 2 (same time, other company)
T4 = datetime(2024, 1, 3, 0, 5)   # sync 4 of company 1: failed after the employee scan

# ---------------------------------------------------------------------------------------------
# Harness

results = {"passed": 0, "failed": 0}


def check(name):
    def wrap(fn):
        try:
            fn()
            results["passed"] += 1
        except Exception:  # noqa: BLE001 - report every failure, go on
            results["failed"] += 1
            print(f"FAIL {name}")
            traceback.print_exc()
        return fn
    return wrap


def rows(con, sql):
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def registered_views():
    text = (ROOT / "src" / "warehouse" / "schema.rs").read_text()
    block = re.search(r"pub const VIEWS[^=]*=\s*&\[(.*?)\];", text, re.S)
    assert block, "VIEWS constant not found in src/warehouse/schema.rs"
    entries = re.findall(r'\(\s*"(\w+)"\s*,\s*include_str!\("\.\./\.\./sql/views/([\w.]+)"\)\s*,?\s*\)',
                         block.group(1))
    return entries


def connect():
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": "false",
                                             "autoload_known_extensions": "false"})
    for f in sorted((ROOT / "sql" / "migrations").glob("*.sql")):
        con.execute(f.read_text())
    return con


def create_views(con):
    for name, file in registered_views():
        con.execute((VIEWS_DIR / file).read_text())


# ---------------------------------------------------------------------------------------------
# The dataset

def insert(con, table, **cols):
    names = list(cols)
    values = [json.dumps(v) if isinstance(v, dict) else v for v in cols.values()]
    con.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                values)


def employee(con, company, id, name, *, risk=None, hp=False, active=True, deleted=None, dept=None,
             position=None):
    raw = {"id": id, "full_name": name, "attrition_risk_score": risk}
    insert(con, "employees", company_id=company, id=id, employee_id=f"E{id}", full_name=name,
           email=f"{name.split()[0].lower()}@c{company}.test", department_name=dept,
           position=position, attrition_risk_score=risk, is_high_performer=hp, is_active=active,
           raw=raw, content_hash=f"h{id}", first_seen_at=T1, synced_at=T2, deleted_at=deleted)


def position(con, company, holder, role, holder_name, dept, bsi, first=T1, run=1, deleted=None):
    insert(con, "positions", company_id=company, holder_key=holder, role=role,
           holder_name=holder_name, department=dept, bench_strength=bsi,
           raw={"role": role}, content_hash=f"p{holder}{role}", first_seen_at=first,
           synced_at=T2, deleted_at=deleted)
    insert(con, "positions_history", company_id=company, holder_key=holder, role=role,
           holder_name=holder_name, department=dept, bench_strength=bsi, raw={"role": role},
           content_hash=f"p{holder}{role}", valid_from=first, valid_to=deleted,
           run_id=run)


def successor(con, company, id, holder, employee_id, name, role, versions, deleted=None):
    """versions: [(readiness, valid_from, valid_to, run_id)], the last one is the current row."""
    for readiness, vf, vt, run in versions:
        insert(con, "successors_history", company_id=company, id=id, position_holder_key=holder,
               employee=employee_id, employee_name=name, role_to_succeed=role,
               expected_readiness=readiness, current_role_holder_id=None if holder == -1 else holder,
               raw={"id": id}, content_hash=f"s{id}{readiness}", valid_from=vf, valid_to=vt,
               run_id=run)
    insert(con, "successors", company_id=company, id=id, position_holder_key=holder,
           employee=employee_id, employee_name=name, role_to_succeed=role,
           expected_readiness=versions[-1][0],
           current_role_holder_id=None if holder == -1 else holder, raw={"id": id},
           content_hash=f"s{id}", first_seen_at=versions[0][1], synced_at=T2, deleted_at=deleted)


def bench(con, run, at, company, holder, role, holder_name, dept, bsi, total, ready):
    insert(con, "bench_strength_history", run_id=run, synced_at=at, company_id=company,
           holder_key=holder, role=role, current_holder=holder_name, department=dept,
           total_successors=total, ready_now_count=ready, bench_strength_index=bsi, raw={})


def employee_version(con, company, id, name, raw, vf, vt, run):
    insert(con, "employees_history", company_id=company, id=id, employee_id=f"E{id}",
           full_name=name, raw=raw, content_hash=json.dumps(raw), valid_from=vf, valid_to=vt,
           run_id=run)


def load(con):
    for id, company, status, start, end in [
        (1, 1, "succeeded", datetime(2024, 1, 1), datetime(2024, 1, 1, 0, 10)),
        (2, 1, "succeeded", datetime(2024, 1, 2), datetime(2024, 1, 2, 0, 10)),
        (3, 2, "succeeded", datetime(2024, 1, 2), datetime(2024, 1, 2, 0, 9)),
        (4, 1, "failed", datetime(2024, 1, 3), datetime(2024, 1, 3, 0, 6)),
    ]:
        insert(con, "sync_runs", id=id, company_id=company, mode="full" if id != 2 else "incremental",
               started_at=start, finished_at=end, status=status)

    # Company 1. Holders 101-103 and Leo (209, whose COO position was deleted in sync 2).
    employee(con, 1, 101, "Alice Holder", risk=20, hp=True, dept="Engineering")
    employee(con, 1, 102, "Bob Holder", risk=30, dept="Sales")
    employee(con, 1, 103, "Carol Holder", risk=40, dept="Finance")
    employee(con, 1, 201, "Dan Multi", risk=80, dept="Engineering", position="Engineer")
    employee(con, 1, 202, "Eve Risky", risk=75.5, hp=True, dept="Engineering")
    employee(con, 1, 203, "Frank Edge", risk=70, dept="Sales")            # exactly 70: not at risk
    employee(con, 1, 204, "Gina Dropped", risk=10, hp=True, dept="Finance")  # her record was deleted
    employee(con, 1, 205, "Hank Alone", risk=15, hp=True, dept="Sales")
    employee(con, 1, 206, "Ivy Gone", risk=95, hp=True, deleted=T2)        # left the company
    employee(con, 1, 207, "Jack Inactive", hp=True, active=False)
    employee(con, 1, 208, "Kim Plain", risk=5)
    employee(con, 1, 209, "Leo Former", risk=25, hp=True, dept="Operations")
    employee(con, 1, 210, "Mia Ready", risk=50)
    # Company 2: employee 201 is someone else there (risk 90, high performer without a role).
    employee(con, 2, 201, "Zed Other", risk=90, hp=True, dept="Operations")
    employee(con, 2, 301, "Olga Holder", risk=5, dept="Operations")
    employee(con, 2, 302, "Yan Ready", risk=30, dept="Operations")

    position(con, 1, 101, "Head of Engineering", "Alice Holder", "Engineering", 81)
    position(con, 1, 102, "Sales Director", "Bob Holder", "Sales", 58)
    position(con, 1, 103, "CFO", "Carol Holder", "Finance", 30)
    position(con, 1, -1, "CTO", None, None, 75, first=T2, run=2)
    position(con, 1, -1, "CMO", None, None, 10, first=T2, run=2)
    position(con, 1, 209, "COO", "Leo Former", "Operations", 50, deleted=T2)
    position(con, 2, 301, "Ops Lead", "Olga Holder", "Operations", 70, first=T3, run=3)

    ENG, SALES, CFO = "Head of Engineering", "Sales Director", "CFO"
    successor(con, 1, 1, 101, 201, "Dan Multi", ENG, [("ready_now", T1, None, 1)])
    successor(con, 1, 2, 101, 202, "Eve Risky", ENG,
              [("6-12_months", T1, T2, 1), ("<6_months", T2, None, 2)])
    successor(con, 1, 3, 102, 201, "Dan Multi", SALES, [("6-12_months", T1, None, 1)])
    successor(con, 1, 4, 102, 203, "Frank Edge", SALES, [("12-24_months", T1, None, 1)])
    successor(con, 1, 5, 103, 201, "Dan Multi", CFO, [(">24_months", T1, None, 1)])
    successor(con, 1, 6, 103, 204, "Gina Dropped", CFO, [("ready_now", T1, T2, 1)], deleted=T2)
    successor(con, 1, 7, -1, 210, "Mia Ready", "CTO", [("ready_now", T2, None, 2)])
    successor(con, 1, 9, 209, 208, "Kim Plain", "COO", [("12-24_months", T1, T2, 1)], deleted=T2)
    successor(con, 1, 10, 101, 205, "Hank Alone", ENG, [(None, T1, T2, 1)], deleted=T2)
    successor(con, 2, 1, 301, 302, "Yan Ready", "Ops Lead", [("ready_now", T3, None, 3)])

    # Bench strength: sync 1 and 2 of company 1, sync 3 of company 2. Two rows the sync could
    # not match to a holder (-1) share a role and differ by holder name.
    for run, at, rows_ in [
        (1, T1, [(101, ENG, "Alice Holder", "Engineering", 85, 2, 1),
                 (102, SALES, "Bob Holder", "Sales", 72, 2, 0),
                 (103, CFO, "Carol Holder", "Finance", 65, 2, 1),
                 (209, "COO", "Leo Former", "Operations", 50, 0, 0),
                 (-1, "Analyst Lead", "Unknown Person", "Finance", 45, 0, 0),
                 (-1, "Analyst Lead", "Other Person", "Finance", 90, 1, 0)]),
        (2, T2, [(-1, "Analyst Lead", "Other Person", "Finance", 39, 1, 0),
                 (101, ENG, "Alice Holder", "Engineering", 81, 2, 1),
                 (102, SALES, "Bob Holder", "Sales", 58, 2, 0),
                 (103, CFO, "Carol Holder", "Finance", 30, 1, 0),
                 (-1, "Analyst Lead", "Unknown Person", "Finance", 45, 0, 0),
                 (-1, "Intern Lead", "Nobody", "Sales", None, None, None)]),
    ]:
        for r in rows_:
            bench(con, run, at, 1, *r)
    bench(con, 3, T3, 2, 301, "Ops Lead", "Olga Holder", "Operations", 70, 1, 1)

    # Employee history: Eve changed (risk, department, a field the schema does not know),
    # Ivy left, Hank left and came back unchanged, Zed (company 2) was added.
    eve1 = {"id": 202, "full_name": "Eve Risky", "attrition_risk_score": 60,
            "department": {"id": 1, "name": "Engineering"}, "modified": "2023-12-01T00:00:00Z"}
    eve2 = {"id": 202, "full_name": "Eve Risky", "attrition_risk_score": 75.5,
            "department": {"id": 2, "name": "Sales"}, "modified": "2024-01-01T12:00:00Z",
            "new_field": 1}
    employee_version(con, 1, 202, "Eve Risky", eve1, T1, T2, 1)
    employee_version(con, 1, 202, "Eve Risky", eve2, T2, None, 2)
    employee_version(con, 1, 206, "Ivy Gone", {"id": 206}, T1, T2, 1)
    employee_version(con, 1, 205, "Hank Alone", {"id": 205}, T1, T2, 1)
    employee_version(con, 1, 205, "Hank Alone", {"id": 205}, T4, None, 4)
    employee_version(con, 2, 201, "Zed Other", {"id": 201}, T3, None, 3)


# ---------------------------------------------------------------------------------------------
# The checks

@check("every view file is registered in VIEWS, in dependency order, with a documented form")
def _():
    entries = registered_views()
    names = [n for n, _ in entries]
    assert names[:2] == ["bsi_trend", "bsi_latest"], names
    assert len(set(names)) == len(names), names
    for name, file in entries:
        assert file == f"{name}.sql", (name, file)
    files = sorted(p.name for p in VIEWS_DIR.glob("*.sql"))
    assert sorted(f for _, f in entries) == files, (names, files)
    for name, file in entries:
        sql = (VIEWS_DIR / file).read_text()
        assert sql.startswith(f"-- {name}:"), f"{file}: header must start with '-- {name}:'"
        assert f"CREATE OR REPLACE VIEW {name} AS" in sql, file
        assert f"COMMENT ON VIEW {name} IS" in sql, file
        code = "\n".join(l.split("--")[0] for l in sql.splitlines())  # no comments
        code = re.sub(r"'(?:[^']|'')*'", "''", code)  # no string literals
        for pattern in FORBIDDEN:
            assert not re.search(pattern, code, re.I), f"{file} uses {pattern} (needs ICU)"


EMPTY = connect()


@check("views are created on an empty warehouse and answer with no rows")
def _():
    create_views(EMPTY)
    for name, _ in registered_views():
        assert rows(EMPTY, f"SELECT * FROM {name}") == [], name


# Views created while the warehouse was empty keep working once data arrives (as in the binary,
# which creates them when it opens the file).
CON = EMPTY
load(CON)


@check("views are re-creatable (CREATE OR REPLACE) on a loaded warehouse")
def _():
    create_views(CON)


@check("bsi_trend and bsi_latest (existing views) still hold")
def _():
    got = rows(CON, "SELECT role, current_holder, run_id, bench_strength_index AS bsi, change, band "
                    "FROM bsi_trend WHERE company_id = 1 AND role = 'Analyst Lead' "
                    "ORDER BY current_holder, run_id")
    assert got == [
        {"role": "Analyst Lead", "current_holder": "Other Person", "run_id": 1, "bsi": 90, "change": None, "band": "excellent"},
        {"role": "Analyst Lead", "current_holder": "Other Person", "run_id": 2, "bsi": 39, "change": -51, "band": "weak"},
        {"role": "Analyst Lead", "current_holder": "Unknown Person", "run_id": 1, "bsi": 45, "change": None, "band": "moderate"},
        {"role": "Analyst Lead", "current_holder": "Unknown Person", "run_id": 2, "bsi": 45, "change": 0, "band": "moderate"},
    ], got
    got = rows(CON, "SELECT company_id, run_id, count(*) AS n FROM bsi_latest GROUP BY ALL ORDER BY ALL")
    assert got == [{"company_id": 1, "run_id": 2, "n": 6}, {"company_id": 2, "run_id": 3, "n": 1}], got


@check("bsi_by_department: per company, department and sync")
def _():
    got = rows(CON, """
        SELECT company_id, department, run_id, positions,
               round(avg_bench_strength_index, 3) AS avg, min_bench_strength_index AS min,
               max_bench_strength_index AS max, excellent_positions AS ex, good_positions AS good,
               moderate_positions AS mod, weak_positions AS weak, positions_without_bsi AS nobsi,
               total_successors AS succ, ready_now_successors AS ready, round(avg_change, 3) AS chg
        FROM bsi_by_department ORDER BY company_id, department, run_id""")
    cols = ["company_id", "department", "run_id", "positions", "avg", "min", "max", "ex", "good",
            "mod", "weak", "nobsi", "succ", "ready", "chg"]
    want = [dict(zip(cols, r)) for r in [
        (1, "Engineering", 1, 1, 85.0, 85, 85, 1, 0, 0, 0, 0, 2, 1, None),
        (1, "Engineering", 2, 1, 81.0, 81, 81, 1, 0, 0, 0, 0, 2, 1, -4.0),
        (1, "Finance", 1, 3, 66.667, 45, 90, 1, 1, 1, 0, 0, 3, 1, None),
        (1, "Finance", 2, 3, 38.0, 30, 45, 0, 0, 1, 2, 0, 2, 0, -28.667),
        (1, "Operations", 1, 1, 50.0, 50, 50, 0, 0, 1, 0, 0, 0, 0, None),
        (1, "Sales", 1, 1, 72.0, 72, 72, 0, 1, 0, 0, 0, 2, 0, None),
        (1, "Sales", 2, 2, 58.0, 58, 58, 0, 0, 1, 0, 1, 2, 0, -14.0),
        (2, "Operations", 3, 1, 70.0, 70, 70, 0, 1, 0, 0, 0, 1, 1, None),
    ]]
    assert got == want, got


@check("positions_band_dropped: only real band drops, keyed per position")
def _():
    got = rows(CON, """
        SELECT company_id, holder_key, role, current_holder, from_band, to_band, bands_dropped,
               bench_strength_index_before AS before, bench_strength_index_after AS after,
               change, previous_run_id, previous_synced_at, run_id, synced_at
        FROM positions_band_dropped ORDER BY company_id, role, current_holder""")
    want = [
        {"company_id": 1, "holder_key": -1, "role": "Analyst Lead", "current_holder": "Other Person",
         "from_band": "excellent", "to_band": "weak", "bands_dropped": 3, "before": 90, "after": 39,
         "change": -51, "previous_run_id": 1, "previous_synced_at": T1, "run_id": 2, "synced_at": T2},
        {"company_id": 1, "holder_key": 103, "role": "CFO", "current_holder": "Carol Holder",
         "from_band": "good", "to_band": "weak", "bands_dropped": 2, "before": 65, "after": 30,
         "change": -35, "previous_run_id": 1, "previous_synced_at": T1, "run_id": 2, "synced_at": T2},
        {"company_id": 1, "holder_key": 102, "role": "Sales Director", "current_holder": "Bob Holder",
         "from_band": "good", "to_band": "moderate", "bands_dropped": 1, "before": 72, "after": 58,
         "change": -14, "previous_run_id": 1, "previous_synced_at": T1, "run_id": 2, "synced_at": T2},
    ]
    assert got == want, got


@check("employees_current: deleted employees are left out, companies kept apart")
def _():
    got = rows(CON, "SELECT company_id, id FROM employees_current ORDER BY ALL")
    want = [(1, i) for i in (101, 102, 103, 201, 202, 203, 204, 205, 207, 208, 209, 210)] + \
           [(2, 201), (2, 301), (2, 302)]
    assert [(r["company_id"], r["id"]) for r in got] == want, got
    cols = [r["column_name"] for r in rows(CON, "DESCRIBE employees_current")]
    assert "deleted_at" not in cols and "children_synced_at" not in cols and "raw" in cols, cols


@check("successors_current: one row per current record, linked to its position and employee")
def _():
    got = rows(CON, """
        SELECT company_id, successor_id, holder_key, role, holder_name, employee, employee_name,
               attrition_risk_score AS risk, expected_readiness, readiness_rank
        FROM successors_current ORDER BY company_id, successor_id""")
    cols = ["company_id", "successor_id", "holder_key", "role", "holder_name", "employee",
            "employee_name", "risk", "expected_readiness", "readiness_rank"]
    want = [dict(zip(cols, r)) for r in [
        (1, 1, 101, "Head of Engineering", "Alice Holder", 201, "Dan Multi", 80, "ready_now", 0),
        (1, 2, 101, "Head of Engineering", "Alice Holder", 202, "Eve Risky", 75.5, "<6_months", 1),
        (1, 3, 102, "Sales Director", "Bob Holder", 201, "Dan Multi", 80, "6-12_months", 2),
        (1, 4, 102, "Sales Director", "Bob Holder", 203, "Frank Edge", 70, "12-24_months", 3),
        (1, 5, 103, "CFO", "Carol Holder", 201, "Dan Multi", 80, ">24_months", 4),
        (1, 7, -1, "CTO", None, 210, "Mia Ready", 50, "ready_now", 0),
        (2, 1, 301, "Ops Lead", "Olga Holder", 302, "Yan Ready", 30, "ready_now", 0),
    ]]
    assert got == want, got


@check("positions_current: current positions with successors per readiness")
def _():
    got = rows(CON, """
        SELECT company_id, holder_key, role, band, successors, ready_now_successors AS r0,
               less_6_months_successors AS r1, six_12_months_successors AS r2,
               twelve_24_months_successors AS r3, more_24_months_successors AS r4, nearest_readiness
        FROM positions_current ORDER BY company_id, role""")
    cols = ["company_id", "holder_key", "role", "band", "successors", "r0", "r1", "r2", "r3", "r4",
            "nearest_readiness"]
    want = [dict(zip(cols, r)) for r in [
        (1, 103, "CFO", "weak", 1, 0, 0, 0, 0, 1, ">24_months"),
        (1, -1, "CMO", "weak", 0, 0, 0, 0, 0, 0, None),
        (1, -1, "CTO", "good", 1, 1, 0, 0, 0, 0, "ready_now"),
        (1, 101, "Head of Engineering", "excellent", 2, 1, 1, 0, 0, 0, "ready_now"),
        (1, 102, "Sales Director", "moderate", 2, 0, 0, 1, 1, 0, "6-12_months"),
        (2, 301, "Ops Lead", "good", 1, 1, 0, 0, 0, 0, "ready_now"),
    ]]
    assert got == want, got


@check("positions_without_ready_successor: deleted ready-now records and positions do not count")
def _():
    got = rows(CON, """
        SELECT company_id, holder_key, role, holder_name, bench_strength_index AS bsi, band,
               successors, nearest_readiness
        FROM positions_without_ready_successor ORDER BY company_id, role""")
    want = [
        {"company_id": 1, "holder_key": 103, "role": "CFO", "holder_name": "Carol Holder",
         "bsi": 30, "band": "weak", "successors": 1, "nearest_readiness": ">24_months"},
        {"company_id": 1, "holder_key": -1, "role": "CMO", "holder_name": None,
         "bsi": 10, "band": "weak", "successors": 0, "nearest_readiness": None},
        {"company_id": 1, "holder_key": 102, "role": "Sales Director", "holder_name": "Bob Holder",
         "bsi": 58, "band": "moderate", "successors": 2, "nearest_readiness": "6-12_months"},
    ]
    assert got == want, got


@check("successors_at_risk: attrition over 70, joined within the company")
def _():
    got = rows(CON, """
        SELECT company_id, employee, employee_name, attrition_risk_score AS risk, role,
               expected_readiness, positions_covered, position_successors,
               position_ready_now_successors AS position_ready
        FROM successors_at_risk ORDER BY company_id, employee, readiness_rank""")
    cols = ["company_id", "employee", "employee_name", "risk", "role", "expected_readiness",
            "positions_covered", "position_successors", "position_ready"]
    want = [dict(zip(cols, r)) for r in [
        (1, 201, "Dan Multi", 80, "Head of Engineering", "ready_now", 3, 2, 1),
        (1, 201, "Dan Multi", 80, "Sales Director", "6-12_months", 3, 2, 0),
        (1, 201, "Dan Multi", 80, "CFO", ">24_months", 3, 1, 0),
        (1, 202, "Eve Risky", 75.5, "Head of Engineering", "<6_months", 1, 2, 1),
    ]]
    assert got == want, got


@check("successors_spread_thin: employees named for two or more positions")
def _():
    got = rows(CON, "SELECT company_id, employee, employee_name, positions, roles, holders, "
                    "ready_now_positions, attrition_risk_score FROM successors_spread_thin")
    want = [{"company_id": 1, "employee": 201, "employee_name": "Dan Multi", "positions": 3,
             "roles": ["CFO", "Head of Engineering", "Sales Director"],
             "holders": ["Alice Holder", "Bob Holder", "Carol Holder"],
             "ready_now_positions": 1, "attrition_risk_score": 80}]
    assert got == want, got


@check("readiness_pipeline: successors per readiness as each sync left them")
def _():
    got = rows(CON, """
        SELECT company_id, run_id, synced_at, run_status, ready_now, less_6_months, six_12_months,
               twelve_24_months, more_24_months, other, total_successors, distinct_employees,
               positions_covered
        FROM readiness_pipeline ORDER BY company_id, run_id""")
    cols = ["company_id", "run_id", "synced_at", "run_status", "ready_now", "less_6_months",
            "six_12_months", "twelve_24_months", "more_24_months", "other", "total_successors",
            "distinct_employees", "positions_covered"]
    want = [dict(zip(cols, r)) for r in [
        (1, 1, T1, "succeeded", 2, 0, 2, 2, 1, 1, 8, 6, 4),
        (1, 2, T2, "succeeded", 2, 1, 1, 1, 1, 0, 6, 4, 4),
        (2, 3, T3, "succeeded", 1, 0, 0, 0, 0, 0, 1, 1, 1),
    ]]
    assert got == want, got


@check("high_performers_without_succession_role: not a successor, not a holder, current, active")
def _():
    got = rows(CON, "SELECT company_id, id, full_name FROM high_performers_without_succession_role "
                    "ORDER BY company_id, id")
    want = [
        {"company_id": 1, "id": 204, "full_name": "Gina Dropped"},   # her only record was deleted
        {"company_id": 1, "id": 205, "full_name": "Hank Alone"},
        {"company_id": 1, "id": 209, "full_name": "Leo Former"},     # his position was deleted
        {"company_id": 2, "id": 201, "full_name": "Zed Other"},      # id 201 is a successor only in company 1
    ]
    assert got == want, got


@check("employee_changes: added, changed field by field, deleted, revived")
def _():
    got = rows(CON, """
        SELECT company_id, id, changed_at, run_id, change, field, old_value, new_value
        FROM employee_changes ORDER BY company_id, id, changed_at, change, field""")
    cols = ["company_id", "id", "changed_at", "run_id", "change", "field", "old_value", "new_value"]
    want = [dict(zip(cols, r)) for r in [
        (1, 202, T1, 1, "added", None, None, None),
        (1, 202, T2, 2, "changed", "attrition_risk_score", "60", "75.5"),
        (1, 202, T2, 2, "changed", "department", '{"id":1,"name":"Engineering"}',
         '{"id":2,"name":"Sales"}'),
        (1, 202, T2, 2, "changed", "new_field", None, "1"),
        (1, 205, T1, 1, "added", None, None, None),
        (1, 205, T2, None, "deleted", None, None, None),
        (1, 205, T4, 4, "revived", None, None, None),
        (1, 206, T1, 1, "added", None, None, None),
        (1, 206, T2, None, "deleted", None, None, None),
        (2, 201, T3, 3, "added", None, None, None),
    ]]
    assert got == want, got


@check("every SQL example in docs/analysts.md runs, and every view has one")
def _():
    doc = (ROOT / "docs" / "analysts.md").read_text()
    blocks = re.findall(r"```sql\n(.*?)```", doc, re.S)
    assert len(blocks) >= 10, len(blocks)
    for sql in blocks:
        try:
            CON.execute(sql).fetchall()
        except Exception as e:
            raise AssertionError(f"docs/analysts.md example fails: {e}\n{sql}") from e
    for name, _ in registered_views():
        assert f"**`{name}`**" in doc, f"docs/analysts.md does not describe view {name}"
        assert any(re.search(rf"\bFROM {name}\b", b) for b in blocks), f"no example for {name}"


@check("views work in a file written as the binary writes it, reopened read-only")
def _():
    # The binary attaches its working file as `wh` (storage v1.4.0) and creates the views
    # there; analysts open the published copy directly, read-only, under another name.
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        path = str(Path(d) / "hrwise.duckdb")
        w = duckdb.connect(":memory:")
        w.execute(f"ATTACH '{path}' AS wh (STORAGE_VERSION 'v1.4.0'); USE wh;")
        for f in sorted((ROOT / "sql" / "migrations").glob("*.sql")):
            w.execute(f.read_text())
        load(w)
        create_views(w)
        w.execute("USE memory; DETACH wh;")
        w.close()
        r = duckdb.connect(path, read_only=True)
        for name, _ in registered_views():
            assert rows(r, f"SELECT count(*) AS n FROM {name}") == \
                rows(CON, f"SELECT count(*) AS n FROM {name}"), name
        r.close()


@check("every view has a comment")
def _():
    got = {r["view_name"]: r["comment"] for r in rows(CON, "SELECT view_name, comment FROM duckdb_views() WHERE NOT internal")}
    for name, _ in registered_views():
        assert got.get(name), f"{name} has no COMMENT ON VIEW"


print(f"{results['passed']} passed, {results['failed']} failed")
sys.exit(1 if results["failed"] else 0)
