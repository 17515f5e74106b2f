"""modelsite.core.compatibility: which deploy paths each `--deploy` mode tries, and the probe's one line of
results read back (the probe itself and its tables: test_deploy.py). No marker: milliseconds.
"""

from __future__ import annotations

from modelsite.core.compatibility import (
    PATH_KEYS,
    QUICK_PATH_KEYS,
    WORKAROUND,
    Compatibility,
    PathOutcome,
    deploy_paths,
    parse_probe_output,
    probe_line,
    resolved_deploy_mode,
)


def test_deploy_modes_name_their_paths() -> None:
    assert deploy_paths("auto", "cpu") == deploy_paths("quick", "cuda") == QUICK_PATH_KEYS
    assert deploy_paths("auto", "cuda") == deploy_paths("full", "cpu") == PATH_KEYS
    assert deploy_paths("skip", "cuda") == ()
    assert "compile" in PATH_KEYS and "compile" not in QUICK_PATH_KEYS
    assert [
        resolved_deploy_mode(mode, device) for mode, device in (("auto", "cpu"), ("auto", "cuda"), ("skip", "cuda"))
    ] == [
        "quick",
        "full",
        "skip",
    ]


def test_a_probe_line_round_trips_and_anything_else_is_no_result() -> None:
    found = Compatibility("a.b", (PathOutcome("onnx", WORKAROUND, "opset 20, fixed batch", 1.5, "a fixed batch size"),))
    assert parse_probe_output("progress\n" + probe_line(found) + "\n") == found
    assert parse_probe_output("modelsite-deploy/1 {not json") is None
    assert parse_probe_output('modelsite-deploy/1 {"model": "a.b", "outcomes": [{"path": "rm -rf"}]}') is None
    assert parse_probe_output("nothing here") is None
