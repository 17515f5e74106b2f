"""The environment a page's code runs with: an allow-list, enforced by the check, shown by the docs.

A page sees the caller's variables named here (exact names: no family of names, which a secret's name
could join), those handed
on with `modelsite check --pass-env NAME`, and what the check sets itself; nothing else of the
runner's environment, so a page cannot print a secret the runner did not pass on.
"""

from __future__ import annotations

# The caller's variables a page sees: what Python, torch, CUDA and the caches they read need.
# Each with why; docs/checking.md shows these tables.
PASSED_VARIABLES = {
    "PATH": "finding programs",
    "HOME": "the user's folder (caches, configuration)",
    "USER": "the user's name",
    "LOGNAME": "the user's name",
    "LANG": "the locale",
    "LANGUAGE": "the locale",
    "TZ": "the time zone",
    "TERM": "the terminal",
    "TMPDIR": "temporary files",
    "LD_LIBRARY_PATH": "shared libraries (CUDA)",
    "TORCH_HOME": "torch's cache of downloads",
    "HF_HOME": "the Hugging Face cache (with --online)",
    "HF_HUB_CACHE": "the Hugging Face cache (with --online)",
    "XDG_CACHE_HOME": "caches",
    "SSL_CERT_FILE": "certificates (with --online)",
    "SSL_CERT_DIR": "certificates (with --online)",
    "CUDA_HOME": "the CUDA toolkit",
    "CUDA_PATH": "the CUDA toolkit",
    "CUDA_DEVICE_ORDER": "which GPU is which",
    "CUDA_VISIBLE_DEVICES": "the GPUs a page may use",
    "CUDA_MODULE_LOADING": "CUDA's loading of kernels",
    "CUDA_LAUNCH_BLOCKING": "CUDA's error reporting",
    "NVIDIA_VISIBLE_DEVICES": "the GPUs of a container",
    "NVIDIA_DRIVER_CAPABILITIES": "the driver of a container",
    "NVIDIA_TF32_OVERRIDE": "TF32 arithmetic on NVIDIA GPUs",
    **{name: "the locale" for name in ("LC_ALL", "LC_CTYPE", "LC_MESSAGES", "LC_NUMERIC", "LC_TIME", "LC_COLLATE")},
}
# Set by the check for every page, whatever the caller's environment says.
SET_VARIABLES = {
    "PYTHONPATH": "this project's root, then the caller's PYTHONPATH (where its packages may be)",
    "PYTHONUNBUFFERED": "1: output arrives in order",
    "MPLBACKEND": "Agg: plots render without a display",
    "CUDA_VISIBLE_DEVICES": "empty under --device cpu: no GPU is visible",
    "TORCHINDUCTOR_CACHE_DIR": "torch.compile's cache, in the project's cache folder: a page's own temporary "
    "folder is gone after it, so a second run on the same machine compiles from this cache",
    **{
        name: "the page's share of the cores (cores // jobs, at least 1), so that pages run side by side "
        "never oversubscribe the machine"
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
    },
}
