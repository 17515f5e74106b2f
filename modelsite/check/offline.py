"""Offline mode: released weights and fetched files without a network, and no other network use.

- `timm.create_model(..., pretrained=True)` goes through timm's real loading code
  (`pretrained_cfg_overlay=dict(file=...)`) from a checkpoint synthesized with the variant's
  shapes, cached per model, tag and timm version. The weights are random: outputs that depend on
  them are marked `# prints[online]:` on the pages.
- URLs listed in `offline/responses.yaml` are answered from the file beside it, through
  urllib (which `urlretrieve`, `urlopen` and `torch.hub` use).
- Any other connection fails before a byte is sent, with an error naming the URL or host.
"""

from __future__ import annotations

import email.message
import hashlib
import io
import shutil
import socket
import urllib.error
import urllib.request
import urllib.response
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from modelsite.core.cache import cap_bytes, make_room, store, writing_large_entry
from modelsite.core.errors import ModelsiteError
from modelsite.core.files import replaced_atomically
from modelsite.core.project import OFFLINE_RESPONSES as PROJECT_WEB_FIXTURES

OFFLINE_RESPONSES = Path(PROJECT_WEB_FIXTURES)


class ResponseError(ModelsiteError, ValueError):
    """offline/responses.yaml lists something that cannot be served."""


class NoRoomForCheckpoint(ModelsiteError, OSError):
    """The disk that holds the cache has no room for a synthesized checkpoint (torch.save only says
    "unexpected pos" when a write falls short)."""


# Room that other writers may take meanwhile, beyond the checkpoint itself.
_DISK_MARGIN_BYTES = 64 * 2**20
# What torch.save writes beyond the tensors' bytes: the pickle, and per tensor its zip record and alignment.
_SAVE_OVERHEAD_BYTES = 64 * 2**10
_SAVE_OVERHEAD_BYTES_PER_TENSOR = 2**10


class NetworkBlocked(ConnectionRefusedError):
    """Raised for a connection that offline mode refuses."""


@dataclass(frozen=True)
class OfflineResponse:
    """A URL that a page fetches, answered from a file in the repository."""

    url: str
    path: Path
    sha256: str
    licence: str
    source: str

    def read(self) -> bytes:
        return self.path.read_bytes()


def offline_responses(root: Path) -> dict[str, OfflineResponse]:
    """The responses listed in ROOT/offline/responses.yaml (none when the file is absent)."""
    listing = root / OFFLINE_RESPONSES
    if not listing.is_file():
        return {}
    entries = yaml.safe_load(listing.read_text(encoding="utf-8")) or []
    responses = {}
    for number, entry in enumerate(entries, start=1):
        where = f"{OFFLINE_RESPONSES.as_posix()}, entry {number}"
        missing = [key for key in ("url", "file", "sha256", "licence", "source") if not (entry or {}).get(key)]
        if missing:
            raise ResponseError(f"{where}: give {', '.join(missing)}")
        response = OfflineResponse(
            url=entry["url"],
            path=listing.parent / entry["file"],
            sha256=entry["sha256"],
            licence=entry["licence"],
            source=entry["source"],
        )
        if not response.path.is_file():
            raise ResponseError(f"{where}: no file {entry['file']} beside {listing.name}")
        if hashlib.sha256(response.read()).hexdigest() != response.sha256:
            raise ResponseError(
                f"{where}: {entry['file']} does not have the sha256 written there; "
                "restore the file, or write its new hash if the change is meant"
            )
        responses[response.url] = response
    return responses


def responses_digest(responses: dict[str, OfflineResponse]) -> str:
    """One hash of every response's URL and bytes, for the check's cache key."""
    digest = hashlib.sha256()
    for url in sorted(responses):
        digest.update(url.encode())
        digest.update(hashlib.sha256(responses[url].read()).digest())
    return digest.hexdigest()


@dataclass
class OfflineRuntime:
    """What `install` changed, and every connection it refused (so a wrapped error still names it)."""

    blocked: list[str]
    checkpoints: dict[str, Path]
    restore: list[Callable[[], None]]

    def uninstall(self) -> None:
        for undo in reversed(self.restore):
            undo()
        self.restore.clear()


def install(responses: dict[str, OfflineResponse], cache_dir: Path, cache_cap: int | None = None) -> OfflineRuntime:
    """Make this interpreter offline: responses for known URLs, synthesized weights (the cache folder held to
    CACHE_CAP bytes, modelsite.core.cache.cap_bytes() without it), nothing else."""
    runtime = OfflineRuntime(blocked=[], checkpoints={}, restore=[])
    _install_url_responses(responses, runtime)
    _install_socket_guard(runtime)
    _install_synthesized_weights(cache_dir, runtime, cache_cap)
    return runtime


def _install_url_responses(responses: dict[str, OfflineResponse], runtime: OfflineRuntime) -> None:
    previous = urllib.request._opener  # type: ignore[attr-defined]
    urllib.request.install_opener(urllib.request.build_opener(_OfflineHandler(responses, runtime)))
    runtime.restore.append(lambda: urllib.request.install_opener(previous))


class _OfflineHandler(urllib.request.BaseHandler):
    """Answers offline responses and refuses every other http(s) URL, before any connection is made."""

    handler_order = 0  # Ahead of urllib's own HTTP handlers, which would connect.

    def __init__(self, responses: dict[str, OfflineResponse], runtime: OfflineRuntime) -> None:
        self.responses = responses
        self.runtime = runtime

    def http_open(self, request: urllib.request.Request) -> urllib.response.addinfourl:
        url = request.full_url
        served = self.responses.get(url)
        if served is None:
            self.runtime.blocked.append(url)
            raise urllib.error.URLError(
                NetworkBlocked(
                    f"offline: {url} is not served; the check allows no network access. Serve it from a "
                    f"file listed in {OFFLINE_RESPONSES.as_posix()}, or run `modelsite check --online`"
                )
            )
        body = served.read()
        headers = email.message.Message()
        headers["Content-Length"] = str(len(body))
        headers["Content-Type"] = "application/octet-stream"
        response = urllib.response.addinfourl(io.BytesIO(body), headers, url, 200)
        response.msg = "OK"  # type: ignore[attr-defined]  # urllib's error processor reads it, as from HTTP.
        return response

    https_open = http_open


def _install_socket_guard(runtime: OfflineRuntime) -> None:
    """Refuse connections made below urllib (requests, httpx, huggingface_hub) and name the host."""

    def refuse(host: object) -> NetworkBlocked:
        runtime.blocked.append(str(host))
        return NetworkBlocked(
            f"offline: connection to {host} refused; the check allows no network "
            "access (run `modelsite check --online` on a runner with a network)"
        )

    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_create_connection = socket.create_connection
    original_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
            raise refuse(_host(address))
        return original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
            raise refuse(_host(address))
        return original_connect_ex(self, address)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        if not _loopback(address):
            raise refuse(_host(address))
        return original_create_connection(address, *args, **kwargs)

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if not _loopback((host, port)):
            raise refuse(_host((host, port)))
        return original_getaddrinfo(host, port, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
    socket.create_connection = create_connection
    socket.getaddrinfo = getaddrinfo

    def restore() -> None:
        socket.socket.connect = original_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = original_connect_ex  # type: ignore[method-assign]
        socket.create_connection = original_create_connection
        socket.getaddrinfo = original_getaddrinfo

    runtime.restore.append(restore)


def _loopback(address: Any) -> bool:
    """Connections that never leave the machine stay allowed (a page may run a local server)."""
    host = address[0] if isinstance(address, tuple) else address
    return host in (None, "", "localhost", "127.0.0.1", "::1") or str(host).startswith("127.")


def _host(address: Any) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return str(address)


def _install_synthesized_weights(cache_dir: Path, runtime: OfflineRuntime, cache_cap: int | None) -> None:
    """Route `pretrained=True` to a local file through `pretrained_cfg_overlay`, timm's own hook."""
    import timm
    import timm.models
    import timm.models._factory as factory

    original = factory.create_model

    def create_model(model_name: str, pretrained: bool = False, *args: Any, **kwargs: Any) -> Any:
        overlay = dict(kwargs.pop("pretrained_cfg_overlay", None) or {})
        if pretrained and not overlay.get("file") and not model_name.startswith(("hf-hub:", "hf_hub:", "local-dir:")):
            path = synthesized_checkpoint(model_name, cache_dir, original, cache_cap)
            runtime.checkpoints[model_name] = path
            overlay["file"] = str(path)
        return original(model_name, pretrained, *args, pretrained_cfg_overlay=overlay or None, **kwargs)

    create_model.__doc__ = original.__doc__
    modules = (timm, timm.models, factory)
    for module in modules:
        module.create_model = create_model

    def restore() -> None:
        for module in modules:
            module.create_model = original

    runtime.restore.append(restore)


def checkpoint_name(model_name: str) -> str:
    """`arch.tag` of MODEL_NAME, the tag resolved to timm's default when none is given."""
    from timm.models import get_pretrained_cfg
    from timm.models._registry import split_model_name_tag

    architecture, tag = split_model_name_tag(model_name)
    if not tag:
        config = get_pretrained_cfg(architecture)
        tag = getattr(config, "tag", None) or "default"
    return f"{architecture}.{tag}"


def synthesized_checkpoint(
    model_name: str, cache_dir: Path, create_model: Callable[..., Any] | None = None, cache_cap: int | None = None
) -> Path:
    """A state dict with MODEL_NAME's released shapes, made once and kept in the cache's "checkpoints" store;
    the least recently used checkpoints make room for it under the cache's cap (CACHE_CAP bytes, else
    modelsite.core.cache.cap_bytes()), and one evicted is made again, the same, when next asked for.

    Weights are timm's random initialization with seed 0. Batch-norm statistics are then measured
    on seeded random images, as training would leave them measured on its data: with the initial
    statistics (mean 0, variance 1) every block of an evaluation-mode network shrinks its input,
    and a deep one hands its head features a million times too small to learn from.
    """
    import timm
    import torch

    name = checkpoint_name(model_name)
    checkpoints = store(cache_dir, "checkpoints")
    key = f"{name}.timm-{timm.__version__}"
    existing = checkpoints.existing(key, ".pth")
    if existing is not None:
        return existing
    path = checkpoints.path(key, ".pth")
    path.parent.mkdir(parents=True, exist_ok=True)
    create = create_model or timm.create_model
    state = torch.random.get_rng_state()
    torch.manual_seed(0)  # The same file whichever page makes it first.
    try:
        model = create(name, pretrained=False)
        _measure_batch_norm_statistics(model)
    finally:
        torch.random.set_rng_state(state)
    weights = model.state_dict()
    needed = sum(tensor.numel() * tensor.element_size() for tensor in weights.values())
    try:
        with writing_large_entry(cache_dir):
            existing = checkpoints.existing(key, ".pth")  # Another page may have made it meanwhile.
            if existing is not None:
                return existing
            cap = cache_cap if cache_cap is not None else cap_bytes()
            size = needed + _SAVE_OVERHEAD_BYTES + _SAVE_OVERHEAD_BYTES_PER_TENSOR * len(weights)
            make_room(checkpoints, size, cap, f"{name}'s synthesized checkpoint")
            with replaced_atomically(path) as partial:  # Parallel pages never read half a file.
                torch.save(weights, partial)
    except (OSError, RuntimeError) as error:
        free = shutil.disk_usage(path.parent).free
        if free < needed + _DISK_MARGIN_BYTES:
            raise NoRoomForCheckpoint(
                f"no room on the disk for {name}'s synthesized checkpoint: it needs {needed / 2**20:.0f} MiB, "
                f"{free / 2**20:.0f} MiB are free under {path.parent}; free some space "
                "(`modelsite cache clear` empties the cache)"
            ) from error
        raise
    checkpoints.prune()
    return path


def _measure_batch_norm_statistics(model: Any) -> None:
    """Batch-norm running statistics of MODEL set to those of its activations on random images."""
    import torch

    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    size = getattr(model, "pretrained_cfg", {}).get("input_size", (3, 224, 224))
    momenta = [norm.momentum for norm in norms]
    for norm in norms:
        norm.reset_running_stats()
        norm.momentum = None  # A plain average over the batches seen.
    model.train()
    with torch.no_grad():
        model(torch.randn(4, *size))
    for norm, momentum in zip(norms, momenta):
        norm.momentum = momentum
    model.eval()
