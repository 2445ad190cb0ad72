"""`veza worker` refusals: each a clear one-line reason and a failing exit status.

The worker at work (claiming, stopping, surviving a kill) is tested with real processes in
tests/stream/test_worker_process.py.
"""

from __future__ import annotations

import socket

from cli.conftest import CliEnv, Invoke, free_port


def test_concurrency_must_be_positive(veza: Invoke) -> None:
    result = veza("worker", "--concurrency", "0")
    assert result.exit_code == 2
    assert "--concurrency" in result.output


def test_a_metrics_port_in_use_is_refused(veza: Invoke, cli_env: CliEnv) -> None:
    assert veza("migrate").exit_code == 0
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = veza("worker", "--metrics-port", str(port))
    assert result.exit_code == 1
    assert "error:" in result.output
    assert "Address already in use" in result.output


def test_an_unreachable_nats_server_is_named(veza: Invoke, cli_env: CliEnv) -> None:
    assert veza("migrate").exit_code == 0
    url = f"nats://127.0.0.1:{free_port()}"  # nothing listens there
    result = veza("worker", env={"VEZA_NATS_URL": url})
    assert result.exit_code == 1
    assert f"cannot reach NATS at {url}" in result.output
    assert len([line for line in result.output.splitlines() if "error:" in line]) == 1
