"""`modelsite check`: every code block of the site run as the reader sees it, every figure re-derived.

One job per module: `discover` finds the pages' blocks in a real build and `trace` maps them
back to their source; `selection` takes a sample, a shard or the changed variants, and adds each
variant's deploy probe (`deploy`); `expect` holds output to `# prints:`; `offline` replaces the
network; `child` is the fresh interpreter of one page and `parent` starts, isolates and judges it;
`resources` sets the jobs and threads; `reuse` keeps passed pages; `devices` holds a GPU's outputs
to the CPU's; `figures` compares the index with the model; `messages` says what failed; `command`
ties them together for the command line.
"""
