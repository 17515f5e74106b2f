"""Offline mode, in this interpreter: offline responses served, other network use refused, and
`pretrained=True` loading, through timm's real code, exactly what the synthesized checkpoint holds.

Builds one small real model (tf_efficientnet_lite0) on the CPU; no marker.
"""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import timm
import torch

from modelsite.check.offline import (
    NetworkBlocked,
    OfflineRuntime,
    checkpoint_name,
    install,
    offline_responses,
    synthesized_checkpoint,
)
from modelsite.core.cache import CacheCapError, folder_bytes, store
from tests.helpers import ROOT

FIXTURES = offline_responses(ROOT)
PHOTO_URL = next(url for url in FIXTURES if url.endswith("grace_hopper.jpg"))


@pytest.fixture
def offline(tmp_path: Path) -> Iterator[OfflineRuntime]:
    runtime = install(FIXTURES, tmp_path)
    try:
        yield runtime
    finally:
        runtime.uninstall()


def test_a_listed_url_is_answered_with_its_offline_bytes(offline: OfflineRuntime, tmp_path: Path) -> None:
    target = tmp_path / "photo.jpg"
    urllib.request.urlretrieve(PHOTO_URL, target)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == FIXTURES[PHOTO_URL].sha256
    assert offline.blocked == []


def test_any_other_url_fails_naming_it(offline: OfflineRuntime) -> None:
    with pytest.raises(urllib.error.URLError, match=r"https://example\.com/labels\.txt is not served"):
        urllib.request.urlopen("https://example.com/labels.txt")
    assert offline.blocked == ["https://example.com/labels.txt"]


def test_connections_below_urllib_are_refused_before_sending(offline: OfflineRuntime) -> None:
    with pytest.raises(NetworkBlocked, match="example.org:443"):
        socket.create_connection(("example.org", 443))
    with pytest.raises(NetworkBlocked, match="huggingface.co"):
        socket.getaddrinfo("huggingface.co", 443)
    assert offline.blocked == ["example.org:443", "huggingface.co:443"]


def test_loopback_stays_reachable(offline: OfflineRuntime) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    with socket.create_connection(server.getsockname(), timeout=5):
        pass
    server.close()


def test_uninstall_restores_the_network_functions(tmp_path: Path) -> None:
    before = (socket.create_connection, socket.socket.connect, timm.create_model)
    install(FIXTURES, tmp_path).uninstall()
    assert (socket.create_connection, socket.socket.connect, timm.create_model) == before


def test_pretrained_loads_what_the_synthesized_checkpoint_holds(offline: OfflineRuntime, tmp_path: Path) -> None:
    model = timm.create_model("tf_efficientnet_lite0", pretrained=True)
    path = offline.checkpoints["tf_efficientnet_lite0"]
    assert path == synthesized_checkpoint("tf_efficientnet_lite0", tmp_path)
    assert path.name == f"{checkpoint_name('tf_efficientnet_lite0')}.timm-{timm.__version__}.pth"
    saved = torch.load(path, map_location="cpu")
    state = model.state_dict()
    assert saved.keys() == state.keys()
    assert all(torch.equal(state[key], saved[key]) for key in saved)
    # A fresh random init would differ: the weights came from the file.
    assert not torch.equal(timm.create_model("tf_efficientnet_lite0").conv_stem.weight, state["conv_stem.weight"])


def test_a_new_head_keeps_the_body_weights_as_timm_does(offline: OfflineRuntime) -> None:
    model = timm.create_model("tf_efficientnet_lite0", pretrained=True, num_classes=7)
    saved = torch.load(offline.checkpoints["tf_efficientnet_lite0"], map_location="cpu")
    assert torch.equal(model.conv_stem.weight, saved["conv_stem.weight"])
    assert model.get_classifier().out_features == 7


def test_the_synthesized_checkpoint_is_the_same_whoever_makes_it(tmp_path: Path) -> None:
    first = synthesized_checkpoint("tf_efficientnet_lite0.in1k", tmp_path / "a")
    torch.manual_seed(123)
    second = synthesized_checkpoint("tf_efficientnet_lite0.in1k", tmp_path / "b")
    one, two = torch.load(first), torch.load(second)
    assert all(torch.equal(one[key], two[key]) for key in one)


def test_a_full_disk_is_named_as_such_and_leaves_no_partial_checkpoint(tmp_path: Path) -> None:
    """What a sweep met on this machine when its disk filled: torch.save said only "[enforce fail at
    inline_container.cc:672] unexpected pos 35356416 vs 35356248", on four pages. A real full disk here: the
    cache on a 4 MiB tmpfs, mounted in a user and mount namespace of the test's own (as the check's pages are)."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from modelsite.check.offline import NoRoomForCheckpoint, synthesized_checkpoint\n"
        "try:\n"
        "    synthesized_checkpoint('tf_efficientnet_lite0.in1k', Path(sys.argv[1]))\n"
        "except NoRoomForCheckpoint as error:\n"
        "    print(error)\n"
        "print(sorted(p.name for p in Path(sys.argv[1]).rglob('*') if p.is_file() and p.suffix != '.lock'))\n"
    )
    completed = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c"]
        + ['mount -t tmpfs -o size=4m tmpfs "$1" && exec "$2" -c "$3" "$1"', "sh"]
        + [str(tmp_path), sys.executable, script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    message, left = completed.stdout.splitlines()
    assert message.startswith("no room on the disk for tf_efficientnet_lite0.in1k's synthesized checkpoint: it needs ")
    assert "MiB are free under " in message and "`modelsite cache clear` empties the cache" in message
    assert left == "[]"  # Nothing half-written.


# Three of timm's own test models, about 1.5 MB of weights each: together more than a cap of 4 MB holds.
SMALL_MODELS = ("test_efficientnet.r160_in1k", "test_resnet.r160_in1k", "test_vit.r160_in1k")
SMALL_CAP = 4 * 10**6


def test_a_run_that_needs_more_than_the_cap_keeps_the_cache_under_it(tmp_path: Path) -> None:
    """Pages that load more checkpoints than the cap holds: the least recently used is evicted before each
    new one is written, the cache never holds more than the cap, and an evicted one is made again, the same."""
    cache = tmp_path / "cache"
    runtime = install(FIXTURES, cache, cache_cap=SMALL_CAP)
    sizes: list[int] = []
    weights: dict[str, list[dict[str, torch.Tensor]]] = {}
    try:
        for name in (*SMALL_MODELS, SMALL_MODELS[0]):
            timm.create_model(name, pretrained=True)
            sizes.append(folder_bytes(cache))
            weights.setdefault(name, []).append(torch.load(runtime.checkpoints[name]))
    finally:
        runtime.uninstall()
    assert max(sizes) <= SMALL_CAP, sizes
    needed = sum(p.stat().st_size for p in (runtime.checkpoints[name] for name in SMALL_MODELS) if p.exists())
    assert needed < sum(sizes[:3]) and len(list(store(cache, "checkpoints").folder.glob("*.pth"))) == 2
    # The first one, evicted for the third, was made again on demand: the same weights.
    before, again = weights[SMALL_MODELS[0]]
    assert before.keys() == again.keys() and all(torch.equal(before[key], again[key]) for key in before)


def test_a_checkpoint_larger_than_the_cap_fails_naming_it_and_the_cap(tmp_path: Path) -> None:
    with pytest.raises(
        CacheCapError, match=r"test_resnet\.r160_in1k's synthesized checkpoint needs 2 MiB.*cap of 1 MiB"
    ):
        synthesized_checkpoint("test_resnet.r160_in1k", tmp_path, cache_cap=2**20)
    assert folder_bytes(tmp_path) == 0  # Nothing half-written.
