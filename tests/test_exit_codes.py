"""Exit codes mean one thing: 1 only for findings, 2 for the environment and bad input, 3 for
schemactl's own failures (one line; the traceback only with --debug)."""

from __future__ import annotations

import sqlite3

import pytest

from schemactl import cli as cli_module
from schemactl.errors import classify_failure
from tests.conftest import cli


def _boom(*args, **kwargs):
    raise RuntimeError("unexpected state in the planner")


def test_internal_error_is_exit_3_with_one_line(monkeypatch):
    monkeypatch.setattr(cli_module, "find_project", _boom)
    result = cli("validate")
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("internal error: RuntimeError: unexpected state in the planner")
    assert "--debug" in lines[0] and "Traceback" not in result.output


@pytest.mark.parametrize("how", ["flag", "env"])
def test_debug_shows_the_traceback(monkeypatch, how):
    monkeypatch.setattr(cli_module, "find_project", _boom)
    if how == "flag":
        result = cli("--debug", "validate")
    else:
        result = cli("validate", env={"SCHEMACTL_DEBUG": "1"})
    assert result.exit_code == 3   # an uncaught exception would exit 1, which means drift
    assert "Traceback (most recent call last)" in result.stderr
    assert "RuntimeError: unexpected state in the planner" in result.stderr


def test_interrupt_is_130_never_1(monkeypatch):
    def interrupted(*a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(cli_module, "find_project", interrupted)
    result = cli("check")
    assert result.exit_code == 130
    assert "interrupted" in result.stderr


@pytest.mark.parametrize("then", ["rollback", "reported"])
@pytest.mark.parametrize("stop, code", [(SystemExit(143), 143), (KeyboardInterrupt(), 130)], ids=["sigterm", "ctrl-c"])
def test_a_clean_up_failing_because_of_an_interruption_still_exits_as_interrupted(monkeypatch, stop, code, then):
    """A signal (SystemExit from the SIGTERM handler) or Ctrl-C lands mid-statement; the clean-up then fails
    (SQLite: no transaction left to roll back), or that failure is reported as schemactl's own error (the
    DDL 'rejected').  The exit code is the interruption's, not exit 2."""
    from schemactl.errors import SchemactlError

    def interrupted_then_rollback_fails(*a, **k):
        try:
            raise stop
        except BaseException:
            try:
                raise sqlite3.OperationalError("cannot rollback - no transaction is active")
            except sqlite3.Error:
                if then == "rollback":
                    raise
                raise SchemactlError("SQLite rejected the generated DDL") from None
    monkeypatch.setattr(cli_module, "find_project", interrupted_then_rollback_fails)
    result = cli("check")
    assert result.exit_code == code
    assert "cannot be used" not in result.stderr and "rejected" not in result.stderr


def test_damaged_sqlite_file_is_exit_2(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database" * 200)
    with pytest.raises(sqlite3.DatabaseError) as info:
        sqlite3.connect(bad).execute("select * from sqlite_schema").fetchall()
    assert classify_failure(info.value)[0] == 2


def test_locked_sqlite_is_exit_2(tmp_path):
    path = tmp_path / "busy.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("create table t (a)")
    holder.execute("begin exclusive")
    try:
        with pytest.raises(sqlite3.OperationalError) as info:
            sqlite3.connect(path, timeout=0).execute("select * from t").fetchall()
    finally:
        holder.execute("rollback")
        holder.close()
    code, line = classify_failure(info.value)
    assert (code, line) == (2, "error: the SQLite database cannot be used: database is locked (another connection "
                               "holds a lock on it: a running service, a sqlite3 shell, a migration; let it finish or "
                               "close it, then run again)")


def test_file_errors_name_the_file(tmp_path):
    with pytest.raises(OSError) as info:
        (tmp_path / "missing" / "x.sql").read_text()
    code, line = classify_failure(info.value)
    assert code == 2 and "missing/x.sql" in line and "No such file" in line


def test_postgres_refusal_is_2_and_own_bad_sql_is_3(pg):
    import psycopg
    with pytest.raises(psycopg.Error) as refused:
        pg.execute("select 1/0")
    pg.rollback()
    assert classify_failure(refused.value)[0] == 2
    with pytest.raises(psycopg.Error) as own:
        pg.execute("selec 1")
    pg.rollback()
    assert classify_failure(own.value)[0] == 3


def test_connection_failure_hides_the_password():
    import psycopg
    with pytest.raises(psycopg.OperationalError) as info:
        psycopg.connect("postgresql://app:hunter2@127.0.0.1:1/db?password=hunter3", connect_timeout=2)
    code, line = classify_failure(info.value)
    assert code == 2
    assert "hunter" not in line


def test_secrets_never_reach_an_internal_error_line():
    code, line = classify_failure(ValueError("postgresql://u:s3cret@h/db and password=topsecret"))
    assert code == 3
    assert "s3cret" not in line and "topsecret" not in line


def test_a_missing_module_names_the_package_to_install():
    code, line = classify_failure(ModuleNotFoundError("No module named 'psycopg'", name="psycopg"))
    assert code == 2
    assert "pip install 'psycopg[binary]'" in line


@pytest.mark.parametrize("command", [
    ["import", "--db", "sqlite:///{db}", "-o", "blocker/x.yaml"],
    ["erd", "manifests/memories.yaml", "-o", "blocker/e.mmd"],
    ["generate", "-o", "blocker"],
])
def test_an_unwritable_output_is_exit_2_naming_the_target(tmp_path, command):
    """A path through a file (the one way to make a path unwritable that holds for root too)."""
    import shutil
    from tests.conftest import ROOT
    (tmp_path / "manifests").mkdir()
    shutil.copy(ROOT / "manifests" / "memories.yaml", tmp_path / "manifests")
    (tmp_path / "blocker").write_text("")
    db = tmp_path / "a.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE t (a integer PRIMARY KEY)")
    conn.commit()
    conn.close()
    result = cli(*[a.replace("{db}", str(db)) for a in command], cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert "blocker" in result.stderr and "Not a directory" in result.stderr
    assert ".schemactl.tmp" not in result.stderr and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.db", "blocker", "manifests"]


@pytest.mark.parametrize("raw,where", [(b"\x00format: 1\n", "1:1"), (b"format: 1\nname: x\x00\n", "2:8"),
                                       (b'format: 1\nname: "a\x01b"\n', "2:9")])
def test_a_control_character_yaml_forbids_is_a_located_error(tmp_path, raw, where):
    (tmp_path / "m.yaml").write_bytes(raw)
    result = cli("validate", "m.yaml", cwd=tmp_path)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"m.yaml:{where}: error: invalid YAML: character U+00")


# -- every bad database URL is exit 2 with one line, and no form of its password is ever printed

# (URL, what is wrong with it): each password spells "Sup3r" and "Secret", neither of which any message may show
HOSTILE_URLS = [
    ("postgresql://u:Sup3rSecret@[::1:1/db", "IPv6 bracket never closed"),
    ("postgresql://u@[::1:1/db", "IPv6 bracket never closed, no password"),
    ("postgresql://u:Sup3rSecret@[]/db", "empty IPv6 host"),
    ("postgresql://u:Sup3r%Secret@h:1/db", "bad percent-encoding in the password"),
    ("postgresql://u:Sup3r%00Secret@h/db", "%00 in the password"),
    ("postgresql://u@h/db?password=Sup3r%Secret", "bad percent-encoding in a query password"),
    ("postgresql://u@h/db?password=Sup3r&Secret", "password cut by an unencoded '&'"),
    ("postgresql://u:Sup3r@Secret@h/db", "unencoded '@' in the password"),
    ("postgresql://u:Sup3r/Secret@h/db", "unencoded '/' in the password"),
    ("postgresql+psycopg://bob:Sup3rSecret@h/db", "SQLAlchemy driver suffix"),
    ("POSTGRESQL://bob:Sup3rSecret@h/db", "scheme in capitals"),
    ("mysql://bob:Sup3rSecret@h/db", "unknown scheme"),
    ("sqlite://bob:Sup3rSecret@h/x.db", "sqlite with two slashes"),
    ("sqlite:///", "sqlite without a path"),
    ("bob:Sup3rSecret@h/db", "no scheme"),
    ("host=/nonexistent-dir password=Sup3rSecret dbname=x", "a conninfo string, unreachable"),
    ("host=/nonexistent-dir password='Sup3r Secret", "a conninfo string, quote never closed"),
    ("postgresql://u:Sup3r%25Secret@/db?host=/nonexistent-dir&port=1&sslpassword=Sup3rSecret2",
     "valid, unreachable, secrets in the user information and the query"),
    ("postgresql://u:Sup3r%40Secret@/db?host=%2Fnonexistent-dir&password=Sup3r%20Secret", "valid, unreachable"),
]

M = "manifests/memories.yaml"
# every command that takes a URL: {url} is the hostile one, {db} an existing SQLite database, {tmp} a directory
URL_COMMANDS = {
    "parity --postgres-url": (["parity", "--postgres", "url", "--postgres-url", "{url}", M], {}),
    "parity (env)": (["parity", M], {"SCHEMACTL_POSTGRES_URL": "{url}"}),
    "import --db": (["import", "--db", "{url}"], {}),
    "import --postgres-url": (["import", "--ddl", "{tmp}/t.sql", "--dialect", "postgres", "--postgres-url", "{url}"], {}),
    "import (env)": (["import", "--ddl", "{tmp}/t.sql", "--dialect", "postgres"], {"SCHEMACTL_POSTGRES_URL": "{url}"}),
    "diff --db": (["diff", M, "--db", "{url}"], {}),
    "copy --from": (["copy", "--manifest", M, "--from", "{url}", "--to", "sqlite:///{db}"], {}),
    "copy --to": (["copy", "--manifest", M, "--from", "sqlite:///{db}", "--to", "{url}"], {}),
    "backup --db": (["backup", "--manifest", M, "--db", "{url}", "-o", "{tmp}/b.jsonl.gz"], {}),
    "restore --db": (["restore", "{tmp}/a.jsonl.gz", "--manifest", M, "--db", "{url}"], {}),
    "migrate apply": (["migrate", "apply", M, "--db", "{url}"], {}),
    "migrate apply --dry-run": (["migrate", "apply", M, "--db", "{url}", "--dry-run"], {}),
    "migrate status": (["migrate", "status", M, "--db", "{url}"], {}),
    "migrate baseline": (["migrate", "baseline", M, "--db", "{url}"], {}),
    "migrate down": (["migrate", "down", M, "--db", "{url}", "--to", "1"], {}),
}
_DB_ONLY = ("host=", "sqlite:", "bob:")   # not a URL: refused where a URL is asked for, read by libpq for a server


@pytest.fixture(scope="module")
def url_places(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("urls")
    conn = sqlite3.connect(tmp / "src.db")
    conn.execute("CREATE TABLE t (a integer PRIMARY KEY)")
    conn.commit()
    conn.close()
    (tmp / "t.sql").write_text("CREATE TABLE t (a integer PRIMARY KEY);\n")
    (tmp / "a.jsonl.gz").write_bytes(b"")
    return tmp


@pytest.mark.parametrize("command", list(URL_COMMANDS))
@pytest.mark.parametrize("url", [u for u, _ in HOSTILE_URLS], ids=[why for _, why in HOSTILE_URLS])
def test_a_bad_or_unreachable_url_is_exit_2_in_one_line_without_its_password(url_places, command, url):
    args, env = URL_COMMANDS[command]
    fill = lambda a: a.replace("{url}", url).replace("{db}", str(url_places / "src.db")).replace(  # noqa: E731
        "{tmp}", str(url_places))
    before = sorted(p.name for p in url_places.iterdir())
    result = cli(*map(fill, args), env={"SCHEMACTL_POSTGRES_URL": None, **{k: fill(v) for k, v in env.items()}})
    shown = result.stdout + result.stderr
    assert result.exit_code == 2, shown
    assert "Sup3r" not in shown and "Secret" not in shown, shown
    assert "Traceback" not in shown and "internal error" not in shown, shown
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert result.stdout == ""
    assert sorted(p.name for p in url_places.iterdir()) == before   # nothing written or created


@pytest.mark.parametrize("url, expected", [
    ("postgresql://u:Sup3rSecret@[::1:1/db", 'postgresql://***@[::1:1/db: end of string reached when looking for '
                                              'matching "]" in IPv6 host address in URI'),
    ("postgresql://u:Sup3r%Secret@h:1/db", "postgresql://***@h:1/db: bad percent-encoding in the password"),
    ("postgresql://u@h/d%zzb", "postgresql://***@h/d%zzb: bad percent-encoding in the database name"),
    ("postgresql+psycopg://bob:Sup3rSecret@h/db", '"postgresql+psycopg:…": a driver suffix'),
    ("mysql://bob:Sup3rSecret@h/db", '"mysql:…": use postgresql://… or sqlite:///path'),
    ("sqlite:///", "sqlite URL has no path"),
    ("postgresql://u:Sup3r@Secret@h/db", "an '@' after the host"),
])
def test_a_bad_url_names_its_problem(url, expected):
    result = cli("diff", M, "--db", url)
    assert result.exit_code == 2 and expected in result.stderr, result.stderr


def test_a_url_given_to_the_wrong_option_is_not_echoed():
    result = cli("parity", "--postgres", "postgresql://u:Sup3rSecret@h/db", M)
    assert result.exit_code == 2
    assert "Invalid value for '--postgres'" in result.stderr and "postgresql://***@h/db" in result.stderr
    assert "Sup3r" not in result.output


@pytest.mark.parametrize("stream", ["stderr", "stdout"])
def test_a_reader_that_goes_away_leaves_the_commands_own_exit_code(tmp_path, stream):
    """`schemactl validate bad.yaml 2>&1 | head -1` exited 1 (click's answer to a closed pipe: 1 means findings),
    and a closed stdout inside a command was "error: cannot use: Broken pipe", exit 2."""
    import subprocess
    import sys
    lines = ["format: 1", "name: x", "version: 1", "tables:", "  t:", "    columns:",
             "      id: {type: integer, primary_key: true}"]
    lines += [f"      c{i}: {{type: nosuchtype{i}}}" for i in range(3000)]   # more than a pipe holds
    (tmp_path / "many.yaml").write_text("\n".join(lines) + "\n")
    if stream == "stdout":   # a plan longer than a pipe holds: the command is still writing when the reader goes
        (tmp_path / "manifests").mkdir()
        plan = tmp_path / "manifests" / "p.yaml"
        plan.write_text("\n".join(lines[:7]) + "\n")
        assert cli("migrate", "new", plan, "--name", "init", cwd=tmp_path).exit_code == 0
        plan.write_text("\n".join(lines[:4] + [f"  t{i}:\n    columns:\n      id: {{type: integer, primary_key: "
                                                f"true}}\n      name: text" for i in range(400)]) + "\n")
    args = ["validate", "many.yaml"] if stream == "stderr" else ["migrate", "plan", "manifests/p.yaml"]
    with open(tmp_path / "other.txt", "wb") as other:   # the other stream to a file: it never blocks the command
        proc = subprocess.Popen([sys.executable, "-m", "schemactl", *args], cwd=tmp_path,
                                stdout=subprocess.PIPE if stream == "stdout" else other,
                                stderr=subprocess.PIPE if stream == "stderr" else other)
        reader = getattr(proc, stream)
        assert reader.readline()
        reader.close()
        code = proc.wait(timeout=60)
    said = (tmp_path / "other.txt").read_text()
    assert code == (2 if stream == "stderr" else 0), said
    assert "Traceback" not in said and "Broken pipe" not in said and "Exception ignored" not in said


def test_a_loop_of_symbolic_links_is_exit_2_naming_it(tmp_path):
    """generate over a generated file that is a loop of links (and backup -o into one) ended as an internal error,
    exit 3: Python's pathlib raises RuntimeError for a loop before 3.13."""
    (tmp_path / "m.yaml").write_text("format: 1\nname: gl\nversion: 1\ntables:\n  t:\n    columns:\n"
                                     "      id: {type: integer, primary_key: true}\n")
    assert cli("generate", "m.yaml", "-o", "out", cwd=tmp_path).exit_code == 0
    target = tmp_path / "out" / "gl" / "schema.md"
    target.unlink()
    target.symlink_to("l2")
    (tmp_path / "out" / "gl" / "l2").symlink_to("schema.md")
    result = cli("generate", "m.yaml", "-o", "out", cwd=tmp_path)
    assert result.exit_code == 2, result.output
    assert "schema.md: a loop of symbolic links; point the link at a file" in result.output
    db = tmp_path / "d.db"
    sqlite3.connect(db).execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
    (tmp_path / "loop").symlink_to("loop")
    backup = cli("backup", "--manifest", "m.yaml", "--db", f"sqlite:///{db}", "-o", "loop", cwd=tmp_path)
    assert backup.exit_code == 2 and "a loop of symbolic links" in backup.output, backup.output
