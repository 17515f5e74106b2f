"""The site: the MkDocs hook's logic, generated pages, the explorer and models.json, charts, macros, math,
the checked outputs under blocks, and the EfficientNet story. It reads the index and the check's report;
it never imports the check."""
