"""`modelsite check`: every code block of the site run as the reader sees it, every figure re-derived.

One job per module: `discover` finds the pages' blocks in a real build and `trace` maps them
back to their source; `expect` holds output to `# prints:`; `offline` replaces the network;
`runner` is the fresh interpreter of one page and `execute` starts and judges it; `cache` keeps
passed pages; `figures` compares the index with the model; `report` writes what happened;
`command` ties them together for the command line.
"""
