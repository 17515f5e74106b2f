"""The check's report, in one module a job: its types (results.py), its JSON format and how it is read and
written (codec.py), the merging of runs and of a sweep's shards (merging.py), and how a result is named for a
person (wording.py).

The check writes it (modelsite.check), the build reads it (modelsite.site.outputs), CI keeps it.
docs/checking.md documents the format.
"""
