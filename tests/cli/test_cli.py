"""The `veza` command: migrate, manage users, and check a deployment."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from cli.conftest import CliEnv, Invoke
from veza.core import migrate as migrations

PASSWORD = "Quartz-Lantern-Zebra-4471"
# A good production secret, apart from what a test breaks on purpose.
GOOD_SECRET = "x" * 48


def users(cli_env: CliEnv) -> dict[str, str]:
    """username -> role, read straight from the database file."""
    with sqlite3.connect(cli_env.database_path) as db:
        return dict(db.execute("SELECT username, role FROM users").fetchall())


def lines_with(text: str, *words: str) -> list[str]:
    return [line for line in text.splitlines() if all(word in line for word in words)]


# --- migrate ----------------------------------------------------------------------------


def test_migrate_creates_the_schema_and_is_idempotent(veza: Invoke, cli_env: CliEnv) -> None:
    head = migrations.head_revision()
    assert head
    first = veza("migrate")
    assert first.exit_code == 0, first.output
    assert f"schema: empty -> {head}" in first.output
    assert cli_env.database_path.exists()
    assert users(cli_env) == {}

    again = veza("migrate")
    assert again.exit_code == 0, again.output
    assert f"schema: {head} -> {head}" in again.output


# --- users ------------------------------------------------------------------------------


def test_user_create_reads_the_password_from_stdin(veza: Invoke, cli_env: CliEnv) -> None:
    assert veza("migrate").exit_code == 0
    result = veza("user", "create", "Hamlet", "--email", "hamlet@example.org", input=PASSWORD)
    assert result.exit_code == 0, result.output
    assert "created hamlet (user)" in result.output
    assert PASSWORD not in result.output
    assert users(cli_env) == {"hamlet": "user"}
    with sqlite3.connect(cli_env.database_path) as db:
        (stored,) = db.execute("SELECT password_hash FROM users").fetchone()
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_user_create_refuses_a_duplicate(veza: Invoke, cli_env: CliEnv) -> None:
    assert veza("migrate").exit_code == 0
    ok = veza("user", "create", "hamlet", "--email", "hamlet@example.org", input=PASSWORD + "\n")
    assert ok.exit_code == 0, ok.output

    same_name = veza("user", "create", "HAMLET", "--email", "other@example.org", input=PASSWORD)
    assert same_name.exit_code != 0
    assert "username is already taken" in same_name.output
    assert "Traceback" not in same_name.output

    same_email = veza("user", "create", "ophelia", "--email", "Hamlet@Example.org", input=PASSWORD)
    assert same_email.exit_code != 0
    assert "email is already taken" in same_email.output
    assert users(cli_env) == {"hamlet": "user"}


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1", "8"),
        ("password123", "common"),
        ("Hamlet@Example.org", "email"),
        ("", "8"),
    ],
)
def test_user_create_refuses_a_weak_password(
    veza: Invoke, cli_env: CliEnv, password: str, reason: str
) -> None:
    assert veza("migrate").exit_code == 0
    result = veza("user", "create", "hamlet", "--email", "hamlet@example.org", input=password)
    assert result.exit_code != 0
    assert "error:" in result.output
    assert reason in result.output.lower()
    assert "Traceback" not in result.output
    assert users(cli_env) == {}


def test_user_create_refuses_a_bad_username_or_email(veza: Invoke, cli_env: CliEnv) -> None:
    assert veza("migrate").exit_code == 0
    bad_name = veza("user", "create", "no spaces!", "--email", "a@example.org", input=PASSWORD)
    assert bad_name.exit_code != 0
    assert "error:" in bad_name.output
    bad_email = veza("user", "create", "hamlet", "--email", "not-an-email", input=PASSWORD)
    assert bad_email.exit_code != 0
    assert "error:" in bad_email.output
    assert users(cli_env) == {}


def test_admin_creation_and_role_changes(veza: Invoke, cli_env: CliEnv) -> None:
    assert veza("migrate").exit_code == 0
    boss = veza("user", "create", "boss", "--email", "boss@example.org", "--admin", input=PASSWORD)
    assert boss.exit_code == 0, boss.output
    assert "created boss (admin)" in boss.output
    helper = veza("user", "create", "helper", "--email", "helper@example.org", input=PASSWORD)
    assert helper.exit_code == 0, helper.output

    promoted = veza("user", "set-role", "helper", "moderator")
    assert promoted.exit_code == 0, promoted.output
    assert "helper is now moderator" in promoted.output
    assert users(cli_env) == {"boss": "admin", "helper": "moderator"}

    demoted = veza("user", "set-role", "BOSS", "user")
    assert demoted.exit_code == 0, demoted.output
    assert users(cli_env) == {"boss": "user", "helper": "moderator"}

    with sqlite3.connect(cli_env.database_path) as db:
        actions = [row[0] for row in db.execute("SELECT event FROM audit_events")]
    assert actions.count("user.created") == 2
    assert actions.count("user.role_changed") == 2


def test_set_role_refuses_unknown_roles_and_users(veza: Invoke, cli_env: CliEnv) -> None:
    assert veza("migrate").exit_code == 0
    created = veza("user", "create", "hamlet", "--email", "h@example.org", input=PASSWORD)
    assert created.exit_code == 0, created.output

    unknown_role = veza("user", "set-role", "hamlet", "emperor")
    assert unknown_role.exit_code != 0
    assert "role" in unknown_role.output
    # Operator input is shown as text, never interpreted as terminal markup.
    markup = veza("user", "set-role", "hamlet", "[/bold]")
    assert markup.exit_code == 1
    assert "[/bold]" in markup.output
    unknown_user = veza("user", "set-role", "nobody", "admin")
    assert unknown_user.exit_code != 0
    assert "no such user" in unknown_user.output
    assert users(cli_env) == {"hamlet": "user"}


# --- check ------------------------------------------------------------------------------

WIDE = {"COLUMNS": "200"}


def test_check_passes_on_a_good_config(veza: Invoke) -> None:
    assert veza("migrate").exit_code == 0
    result = veza("check", env=WIDE)
    assert result.exit_code == 0, result.output
    for name in ("configuration", "database", "cache", "bus", "storage", "schema"):
        assert lines_with(result.stdout, name, "OK"), f"{name} not OK:\n{result.stdout}"
    assert "FAILED" not in result.stdout


def test_check_fails_on_an_unmigrated_database(veza: Invoke) -> None:
    result = veza("check", env=WIDE)
    assert result.exit_code == 1, result.output
    assert lines_with(result.stdout, "schema", "FAILED", "veza migrate")
    assert lines_with(result.stdout, "database", "OK")


def test_check_names_an_unreachable_cache(veza: Invoke) -> None:
    assert veza("migrate").exit_code == 0
    result = veza("check", env={**WIDE, "VEZA_REDIS_URL": "redis://127.0.0.1:1/0"})
    assert result.exit_code == 1, result.output
    assert lines_with(result.stdout, "cache", "redis://127.0.0.1:1/0", "FAILED"), result.stdout
    assert lines_with(result.stdout, "database", "OK"), result.stdout
    assert "Traceback" not in result.output


def test_check_names_an_unreachable_bus(veza: Invoke) -> None:
    assert veza("migrate").exit_code == 0
    result = veza("check", env={**WIDE, "VEZA_NATS_URL": "nats://127.0.0.1:1"})
    assert result.exit_code == 1, result.output
    assert lines_with(result.stdout, "bus", "nats://127.0.0.1:1", "FAILED"), result.stdout
    assert lines_with(result.stdout, "database", "OK"), result.stdout
    assert "Traceback" not in result.output


def test_check_names_an_unusable_storage(veza: Invoke) -> None:
    assert veza("migrate").exit_code == 0
    result = veza("check", env={**WIDE, "VEZA_STORAGE_URL": "s3://bucket"})
    assert result.exit_code == 1, result.output
    assert "storage" in result.output.lower()
    assert "Traceback" not in result.output


def test_check_fails_on_a_database_it_cannot_reach(veza: Invoke) -> None:
    # Relative to the working directory (the test's), where no `gone/` exists.
    result = veza("check", env={**WIDE, "VEZA_DATABASE_URL": "sqlite+aiosqlite:///gone/veza.db"})
    assert result.exit_code == 1, result.output
    assert lines_with(result.stdout, "database", "FAILED", "does not exist"), result.stdout
    assert lines_with(result.stdout, "schema", "FAILED"), result.stdout
    assert lines_with(result.stdout, "cache", "OK"), result.stdout


# --- production refuses unsafe configuration --------------------------------------------


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        (None, "VEZA_SECRET_KEY is required"),
        ("change-me", "VEZA_SECRET_KEY is an example"),
        ("short-but-not-an-example", "VEZA_SECRET_KEY is an example or shorter"),
    ],
)
def test_check_refuses_production_without_a_real_secret(
    veza: Invoke, secret: str | None, reason: str
) -> None:
    env: dict[str, str | None] = {"VEZA_ENV": "production", "VEZA_SECRET_KEY": secret}
    result = veza("check", env=env)  # None unsets a variable
    assert result.exit_code != 0
    assert lines_with(result.output, reason), result.output
    assert "Traceback" not in result.output


def test_check_accepts_production_with_a_real_secret(veza: Invoke) -> None:
    assert veza("migrate").exit_code == 0
    result = veza("check", env={**WIDE, "VEZA_ENV": "production", "VEZA_SECRET_KEY": GOOD_SECRET})
    assert result.exit_code == 0, result.output
    assert lines_with(result.stdout, "configuration", "production", "OK")


@pytest.mark.parametrize("secret", [None, "change-me"])
def test_serve_refuses_to_start_in_production_without_a_real_secret(
    cli_env: CliEnv, secret: str | None
) -> None:
    """A real process, as an operator starts it (output piped, not a terminal)."""
    env = cli_env.process_env(VEZA_ENV="production")
    if secret is not None:
        env["VEZA_SECRET_KEY"] = secret
    process = subprocess.run(
        [sys.executable, "-m", "veza", "serve", "--port", "1"],
        env=env,
        cwd=cli_env.root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert process.returncode != 0
    reason = process.stderr.strip()
    # One line, saying what to set.
    assert len(reason.splitlines()) == 1, reason
    assert "VEZA_SECRET_KEY" in reason
    assert "Traceback" not in reason
    assert not (cli_env.root / "var" / "secret_key").exists()


# --- reindex ----------------------------------------------------------------------------


def test_reindex_rebuilds_the_search_index(veza: Invoke, cli_env: CliEnv) -> None:
    assert veza("migrate").exit_code == 0
    result = veza("user", "create", "hamlet", "--email", "hamlet@example.org", input=PASSWORD)
    assert result.exit_code == 0, result.output
    query = "SELECT title FROM search_fts WHERE search_fts MATCH 'hamlet'"
    with sqlite3.connect(cli_env.database_path) as db:
        assert db.execute(query).fetchall() == [("hamlet",)]
        db.execute("DELETE FROM search_documents")  # as if rows had been loaded behind our back
        assert db.execute(query).fetchall() == []
    rebuilt = veza("reindex")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "1 rows indexed" in rebuilt.output
    with sqlite3.connect(cli_env.database_path) as db:
        assert db.execute(query).fetchall() == [("hamlet",)]
