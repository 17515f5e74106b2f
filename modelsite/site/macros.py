"""mkdocs-macros pluglet: hand-written pages get the model index, the partials' filters and the schema.

Pages are contributors' text, so the Jinja that mkdocs-macros runs over them is locked down by
`lock_down` (called from the hook once mkdocs-macros has built its environment): a sandboxed
environment that escapes every printed value as generated pages do, with no variable that reaches
MkDocs' configuration or plugins (from which unsandboxed template engines can be had).
"""

from __future__ import annotations

import inspect
import posixpath
from pathlib import Path
from typing import Any

from modelsite.core.project import EXAMPLES_DIR, Project, docs_path
from modelsite.index import ModelIndex
from modelsite.index.schema import INDEX_FILE
from modelsite.index.schema_types import ListOf, Record
from modelsite.measure.scaffold import entry_yaml
from modelsite.site import story_markdown
from modelsite.site.escape import Markup, PageSandbox, finalize
from modelsite.site.pages import install_template_helpers, load_index_for_build


def define_env(env: Any) -> None:
    root = Path(env.project_dir)
    env.variables["index"] = load_index_for_build(root)
    # Each macro writes Markdown of its own (its data escaped inside): Markup, printed as it is.
    env.macro(lambda: Markup(schema_reference()), "schema_reference")
    env.macro(lambda: Markup(environment_table()), "environment_table")
    env.macro(lambda: Markup(deploy_paths_table()), "deploy_paths_table")
    env.macro(lambda: Markup(tag_tokens_table()), "tag_tokens_table")
    env.macro(lambda yaml_text: Markup(validation_example(root, str(yaml_text))), "validation_example")
    env.macro(lambda: Markup(failure_example(root, env.variables["index"])), "failure_example")
    env.macro(lambda model_id, collection: Markup(entry_yaml(model_id, collection, root)), "new_entry_example")
    env.macro(lambda name: Markup(runnable_example(root, name, env.page.file.src_uri)), "runnable_example")
    # The EfficientNet story pages: tables and charts read from the models at build time.
    for function in story_markdown.MACROS:
        env.macro(_with_index(function, env), function.__name__)


# Variables mkdocs-macros defines that pages do not need: `config` leads to MkDocs' theme, whose
# `get_env()` is an unsandboxed Jinja environment; the others describe the machine that builds.
UNSAFE_VARIABLES = ("config", "plugin", "environment", "git", "macros", "filters", "filters_builtin")


def lock_down(plugin: Any) -> None:
    """Replace mkdocs-macros' Jinja environment by a sandboxed, escaping one with the same loader and globals,
    and its rendering by one whose errors are one line naming the page (its own prints a traceback, then exits)."""
    original = plugin.env
    sandboxed = PageSandbox(
        loader=original.loader,
        undefined=original.undefined,
        finalize=finalize,
        keep_trailing_newline=original.keep_trailing_newline,
    )
    sandboxed.globals.update({k: v for k, v in original.globals.items() if k not in UNSAFE_VARIABLES})
    sandboxed.filters.update(original.filters)
    install_template_helpers(sandboxed)
    plugin._env = sandboxed
    for name in UNSAFE_VARIABLES:
        plugin.variables.pop(name, None)
    plugin.render = lambda markdown, force_rendering=False: _render(plugin, markdown)


def _render(plugin: Any, markdown: str) -> str:
    """A page through the sandbox, unless its front matter says `render_macros: false`."""
    import jinja2
    from mkdocs.exceptions import PluginError

    page = plugin.variables.get("page")
    meta = dict(getattr(page, "meta", None) or {})
    if meta.get("render_macros") is False:
        return markdown
    where = page.file.src_uri if page is not None else "a page"
    try:
        return str(plugin.env.from_string(markdown).render(**{**plugin.variables, **meta}))
    except jinja2.TemplateSyntaxError as error:
        raise PluginError(f"{docs_path(where)}, line {error.lineno}: {error.message}") from None
    except Exception as error:  # A macro's own error, the sandbox's refusal, an undefined name: one line each.
        line = next((frame.lineno for frame in reversed(_template_frames(error))), None)
        at = f", line {line}" if line else ""
        raise PluginError(f"{docs_path(where)}{at}: {type(error).__name__}: {error}") from None


def _template_frames(error: BaseException) -> list[Any]:
    import traceback

    return [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == "<template>"]


def _with_index(function: Any, env: Any) -> Any:
    """FUNCTION with what its parameters ask for filled in: `index`, and `prefix`, the page's way back to the root."""
    wants = inspect.signature(function).parameters

    def macro(*args: Any) -> Any:
        given = {}
        if "index" in wants:
            given["index"] = env.variables["index"]
        if "prefix" in wants:
            given["prefix"] = "../" * env.page.file.src_uri.count("/")
        result = function(*args, **given)
        # Tables and charts are Markdown the story module wrote, escaping its data: printed as they are.
        return Markup(result) if isinstance(result, str) else result

    return macro


def runnable_example(root: Path, name: str, page_src_uri: str) -> str:
    """Runnable example NAME embedded whole, with a link to download it; the check runs it alone.

    The marker above the fence tells the check that this block is the file, so it runs once,
    as `python NAME` would, and the page shows that run's output under it.
    """
    # Only the files of the folder, by name: a page cannot embed (and publish) any other file.
    examples = {p.name: p for p in Project(root).runnable_examples()}
    path = examples.get(name)
    if path is None:
        raise ValueError(
            f"runnable_example({name!r}): no such file in {EXAMPLES_DIR}/; there are: {', '.join(examples)}"
        )
    code = path.read_text(encoding="utf-8").rstrip("\n")
    link = posixpath.relpath(f"{EXAMPLES_DIR}/{name}", posixpath.dirname(page_src_uri) or ".")
    return (
        f'[:material-download: Download `{name}`]({link}){{ download="{name}" .md-button }}\n\n'
        f"<!-- modelsite: example {EXAMPLES_DIR}/{name} -->\n"
        f'```python title="{EXAMPLES_DIR}/{name}"\n{code}\n```\n'
    )


def environment_table() -> str:
    """The environment a page runs with, from the tables in modelsite.core.environment."""
    from modelsite.core.environment import PASSED_VARIABLES, SET_VARIABLES

    rows = ["| Variable | Comes from | What for |", "| --- | --- | --- |"]
    rows += [f"| `{name}` | the caller, when set | {why} |" for name, why in PASSED_VARIABLES.items()]
    rows += [f"| `{name}` | the check | {why} |" for name, why in SET_VARIABLES.items()]
    rows.append("| `NAME` of `--pass-env NAME` | the caller | whatever the runner hands on, one variable at a time |")
    return "\n".join(rows)


def deploy_paths_table() -> str:
    """The deploy paths the probe tries, in its order, from modelsite.core.compatibility."""
    from modelsite.core.compatibility import DEPLOY_PATHS

    rows = ["| Path | What the probe does | Under |", "| --- | --- | --- |"]
    rows += [
        f"| {path.title} | {path.how} | {'`--deploy full`' if path.full else '`--deploy quick` and `full`'} |"
        for path in DEPLOY_PATHS
    ]
    return "\n".join(rows)


def tag_tokens_table() -> str:
    """Every token of timm's pretrained tags and every numbered form, from modelsite.core.tag_tokens."""
    from modelsite.core.tag_tokens import KINDS, TAG_PATTERNS, TAG_TOKENS

    rows = ["| Token | Kind | What it says | Source |", "| --- | --- | --- | --- |"]
    rows += [
        f"| `{pattern.pattern.pattern}` | {pattern.kind} | {pattern.meaning.format('N')} | [source]({pattern.source}) |"
        for pattern in TAG_PATTERNS
    ]
    rows += [
        f"| `{token.token}` | {token.kind} | {token.what_it_says} | [{token.source_label}]({token.source}) |"
        for token in TAG_TOKENS.values()
    ]
    kinds = "\n".join(f"- **{kind}**: {what}" for kind, what in KINDS.items())
    return kinds + "\n\n" + "\n".join(rows)


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
    """The message the check gives if a variant page's class-score shape were wrong, worded by the report."""
    from modelsite.core.blocks import SourceRef, python_blocks
    from modelsite.core.report.results import BlockResult, PageResult
    from modelsite.core.report.wording import place
    from modelsite.site.pages import variant_page

    statement = "print(probabilities.shape)  # prints: "
    project = Project(root)
    written = [
        (path.relative_to(root).as_posix(), number)
        for path in sorted(project.templates_dir.rglob("*.j2"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if line.startswith(statement)
    ]
    # The first classifier: only a classifier's page prints class scores.
    model = next(model for model in index.models if model.figures.get("Head") == "classifier")
    page = variant_page(root, index, model)
    for block in python_blocks(page.markdown):
        lines = block.code.splitlines()
        line = next((number for number, text in enumerate(lines, 1) if text.startswith(statement)), None)
        if line is not None and written:
            expected = lines[line - 1].removeprefix(statement)
            template, template_line = written[0]
            source = SourceRef(template, template_line - line + 1, f"{model.file}:{model.where('Name')[0]}")
            where = place(
                PageResult(path=docs_path(page.src_uri), status="failed", seconds=0, blocks=()),
                BlockResult(number=block.number, status="failed", source=source),
                line,
            )
            return f"{where}: expected {expected!r}, got 'torch.Size([1, 10])'"
    raise ValueError(f"no variant page prints the class scores' shape with {statement!r}")
