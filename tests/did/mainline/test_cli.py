"""CLI ``agent/cli/mainline_cmd.py``: ``node`` and ``swarm`` start, report and stop; bad options are typed errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from agent.cli.mainline_cmd import InvalidOptions, app

runner = CliRunner()


def test_swarm_bootstraps_and_reports() -> None:
    result = runner.invoke(app, ["swarm", "--nodes", "12", "--duration", "0.2"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output.strip().splitlines()[-1])
    assert info["nodes"] == 12 and info["routingTable"]["min"] >= 5


def test_node_joins_through_bootstrap(tmp_path: object) -> None:
    first = runner.invoke(app, ["node", "--port", "0", "--duration", "0.05"])
    assert first.exit_code == 0, first.output
    assert len(json.loads(first.output)["nodeId"]) == 40
    result = runner.invoke(app, ["node", "--port", "0", "--bootstrap", "127.0.0.1:9", "--data-dir", str(tmp_path),
                                 "--duration", "0.05"])
    assert result.exit_code == 0, result.output


def test_bad_bootstrap_is_a_typed_error() -> None:
    result = runner.invoke(app, ["node", "--bootstrap", "nonsense", "--duration", "0"])
    assert isinstance(result.exception, InvalidOptions) and result.exception.code == "invalidOptions"
