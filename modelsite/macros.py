"""mkdocs-macros pluglet: hand-written pages get the model index, the partials' filters and the schema."""

from __future__ import annotations

import inspect
import posixpath
from pathlib import Path
from typing import Any

from modelsite import story_markdown
from modelsite.index import ModelIndex
from modelsite.pages import EXAMPLES_DIR, install_template_helpers, load_index_for_build, runnable_examples
from modelsite.scaffold import entry_yaml
from modelsite.schema import INDEX_FILE
from modelsite.schema_types import ListOf, Record


def define_env(env: Any) -> None:
    root = Path(env.project_dir)
    env.variables["index"] = load_index_for_build(root)
    install_template_helpers(env.filters, env.variables)
    env.macro(schema_reference)
    env.macro(lambda yaml_text: validation_example(root, yaml_text), "validation_example")
    env.macro(lambda: failure_example(root, env.variables["index"]), "failure_example")
    env.macro(lambda model_id, collection: entry_yaml(model_id, collection, root), "new_entry_example")
    env.macro(lambda name: runnable_example(root, name, env.page.file.src_uri), "runnable_example")
    # The EfficientNet story pages: tables and charts read from the models at build time.
    for function in story_markdown.MACROS:
        env.macro(_with_index(function, env), function.__name__)


def _with_index(function: Any, env: Any) -> Any:
    """FUNCTION with what its parameters ask for filled in: `index`, and `prefix`, the page's way back to the root."""
    wants = inspect.signature(function).parameters

    def macro(*args: Any) -> Any:
        given = {}
        if "index" in wants:
            given["index"] = env.variables["index"]
        if "prefix" in wants:
            given["prefix"] = "../" * env.page.file.src_uri.count("/")
        return function(*args, **given)
    return macro


def runnable_example(root: Path, name: str, page_src_uri: str) -> str:
    """Runnable example NAME embedded whole, with a link to download it; the check runs it alone.

    The marker above the fence tells the check that this block is the file, so it runs once,
    as `python NAME` would, and the page shows that run's output under it.
    """
    path = root / EXAMPLES_DIR / name
    if not path.is_file():
        known = ", ".join(p.name for p in runnable_examples(root))
        raise ValueError(f"runnable_example({name!r}): no such file in {EXAMPLES_DIR}/; there are: {known}")
    code = path.read_text(encoding="utf-8").rstrip("\n")
    link = posixpath.relpath(f"{EXAMPLES_DIR}/{name}", posixpath.dirname(page_src_uri) or ".")
    return (f'[:material-download: Download `{name}`]({link}){{ download="{name}" .md-button }}\n\n'
            f"<!-- modelsite: example {EXAMPLES_DIR}/{name} -->\n"
            f'```python title="{EXAMPLES_DIR}/{name}"\n{code}\n```\n')


def schema_reference() -> str:
    """A Markdown table per record of the index layout, written from the schema itself."""
    sections, queue = [], [("Top level", INDEX_FILE)]
    seen: set[int] = set()
    while queue:
        title, record = queue.pop(0)
        if id(record) in seen:
            continue
        seen.add(id(record))
        rows = ["| Key | Required | Value | Meaning |", "| --- | --- | --- | --- |"]
        for key, field in record.fields.items():
            spec = field.spec.item if isinstance(field.spec, ListOf) else field.spec
            if isinstance(spec, Record):
                queue.append((key, spec))
            required = "yes" if field.required else "no"
            rows.append(f"| `{key}` | {required} | {field.spec.expects} | {field.doc} |")
        sections.append(f"#### {title}\n\n" + "\n".join(rows))
    return "\n\n".join(sections)


def validation_example(root: Path, yaml_text: str, file_name: str = "model_index/my-variants.yaml") -> str:
    """What `modelsite validate` says of YAML_TEXT, checked beside the real index (so the docs cannot drift)."""
    import tempfile

    from modelsite.index import index_files, read_index

    with tempfile.TemporaryDirectory() as folder:
        example = Path(folder) / Path(file_name).name
        example.write_text(yaml_text, encoding="utf-8")
        _, problems = read_index([*index_files(root), example], base=root)
        shown = str(example)
        lines = [str(p).replace(shown, file_name, 1) for p in sorted(problems) if p.path == shown]
    return "\n".join(lines) or "(no problems)"


def failure_example(root: Path, index: ModelIndex) -> str:
    """The message the check gives if a collection page's class-score shape were wrong, placed as it would be."""
    from modelsite.check.blocks import python_blocks
    from modelsite.check.trace import SourceTracer
    from modelsite.pages import generated_pages

    statement = "print(probabilities.shape)  # prints: torch.Size([1, 1000])"
    tracer = SourceTracer(root, index)
    for page in generated_pages(root, index)[1:]:
        path = f"docs/{page.src_uri}"
        for block in python_blocks(page.markdown):
            lines = block.code.splitlines()
            if statement in lines:
                line = lines.index(statement) + 1
                source = tracer.trace(block.code, path)
                entry = tracer.entry_for(page.markdown)  # the variant the page's first block creates
                return (f"{path}, block {block.number}, line {line} (from {source.at(line)}; entry {entry}): "
                        "expected 'torch.Size([1, 1000])', got 'torch.Size([1, 10])'")
    raise ValueError(f"no collection page prints the class scores' shape with {statement!r}")
