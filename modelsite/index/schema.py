"""The layout of a model-index file, as one schema that validates files and documents itself.

Field names follow the model-index format of timm's old docs (`Collections:`, `Models:`,
`Metadata:` ...); the fields modelsite adds are marked as ours in their descriptions. The
figures' fields come from the figure table (modelsite.core.figures).
"""

from __future__ import annotations

from modelsite.core.figures import FIGURES, SOURCED_KEYS, Count, Counts, Figure, Fraction, Numbers, OneOf, Tags
from modelsite.index.schema_types import (
    Choice,
    CountsOrNone,
    Field,
    Integer,
    ListOf,
    Name,
    Number,
    Record,
    Spec,
    Text,
    Url,
)


def figure_spec(figure: Figure) -> Spec:
    """What the schema accepts for FIGURE, from its kind."""
    kind = figure.kind
    if isinstance(kind, Count):
        return Integer(minimum=kind.minimum)
    if isinstance(kind, Fraction):
        return Number(minimum=0, maximum=kind.maximum, exclusive_minimum=True)
    if isinstance(kind, OneOf):
        return Choice(values=kind.values)
    if isinstance(kind, Numbers):
        return ListOf(Number(minimum=kind.minimum, maximum=kind.maximum, exclusive_minimum=kind.exclusive_minimum))
    if isinstance(kind, Tags):
        return ListOf(Choice(values=kind.values), unique=True)
    if isinstance(kind, Counts):
        return CountsOrNone()
    raise TypeError(f"no schema for the kind {kind!r} of {figure.key}")


FIGURE_FIELDS = {figure.key: Field(figure_spec(figure), required=figure.required, doc=figure.doc) for figure in FIGURES}

PAPER = Record(
    name="Paper",
    fields={
        "title": Field(Text(), doc="Title of the paper that introduced the architecture."),
        "url": Field(Url(), doc="Where to read it, preferably arXiv."),
    },
)

COLLECTION = Record(
    name="a collection",
    fields={
        "Name": Field(
            Text(single_line=True),
            doc="Display name of the collection, plain text on one line; models join it through `In Collection`.",
        ),
        "Paper": Field(PAPER, doc="The paper behind the collection."),
        "Paper Source": Field(
            Text(markup="prose"),
            required=False,
            doc="Ours. Where the paper's title, address and citation were taken from (a file and its revision).",
        ),
        "Summary": Field(
            Text(markup="prose"),
            doc="Ours. Markdown prose introducing the collection: emphasis, "
            "`code`, links to http(s) or relative addresses, and `$...$` math; no raw HTML.",
        ),
        "Citation": Field(
            Text(markup="literal"), doc="Ours. BibTeX entry of the paper, shown verbatim with a copy button."
        ),
        "Weights Source": Field(
            Text(markup="prose"), doc="Ours. Markdown, as Summary: where the released weights come from."
        ),
        "Code": Field(Url(), required=False, doc="Link to the module in timm that implements the family."),
    },
)

# The training hyper-parameters, in the order pages list them.
HYPERPARAMETERS = {
    "Epochs": Field(Integer(), required=False, doc="Training epochs."),
    "Batch Size": Field(Integer(), required=False, doc="Global training batch size."),
    "LR": Field(Number(minimum=0, exclusive_minimum=True), required=False, doc="Peak learning rate."),
    "Momentum": Field(Number(minimum=0, maximum=1), required=False, doc="Optimizer momentum."),
    "Weight Decay": Field(Number(minimum=0), required=False, doc="Weight decay."),
    "RMSProp Decay": Field(Number(minimum=0, maximum=1), required=False, doc="RMSProp's squared-gradient decay."),
    "Label Smoothing": Field(Number(minimum=0, maximum=1), required=False, doc="Label smoothing factor."),
    "BatchNorm Momentum": Field(
        Number(minimum=0, maximum=1),
        required=False,
        doc="Batch-norm momentum, in TensorFlow's convention (decay of the running mean).",
    ),
}

METADATA = Record(
    name="Metadata",
    fields={
        **{key: field for key, field in FIGURE_FIELDS.items() if key != "Architecture"},
        "Training Data": Field(ListOf(Text(), unique=True), doc="Data sets the weights were trained on."),
        "Training Techniques": Field(
            ListOf(Text(), unique=True), required=False, doc="Named techniques of the training recipe."
        ),
        "Architecture": FIGURE_FIELDS["Architecture"],
        "Tasks": Field(ListOf(Text(), unique=True), doc="What the weights do, e.g. Image Classification."),
        **HYPERPARAMETERS,
    },
)

WEIGHTS = Record(
    name="Weights",
    fields={
        "Tag": Field(
            Name(),
            doc="Ours. timm's pretrained tag; snippets load `Name.Tag`, and `Name.Tag` is the "
            "variant's key: an architecture may be registered once per tag.",
        ),
        "URL": Field(Url(), doc="The weights' home: the Hugging Face Hub repository timm loads them from."),
        "Original": Field(Url(), required=False, doc="Where the weights were first released, when elsewhere."),
        "Description": Field(
            Text(markup="prose"),
            required=False,
            doc="Ours. What the tag means: who trained "
            "these weights, on what data, with which recipe. Markdown, as Summary.",
        ),
    },
)

# Who measured an accuracy: timm, with its validate.py on the weights as released, or the authors.
MEASURED_BY = ("timm validate.py", "the authors")
# The evaluation sets a result may name: ImageNet-1k's validation set, and the robustness sets timm
# publishes results for (ReaL labels, ImageNetV2 matched frequency, Sketch, A and R).
DATASETS = ("ImageNet", "ImageNet-ReaL", "ImageNetV2", "ImageNet-Sketch", "ImageNet-A", "ImageNet-R")

RESULT = Record(
    name="a result",
    fields={
        "Task": Field(Text(), doc="Task the figure measures."),
        "Dataset": Field(
            Choice(values=DATASETS), doc="Evaluation set: " + ", ".join(f"`{name}`" for name in DATASETS) + "."
        ),
        "Metrics": Field(
            Record(
                name="Metrics",
                fields={
                    "Top 1 Accuracy": Field(Number(minimum=0, maximum=100), doc="Percent."),
                    "Top 5 Accuracy": Field(Number(minimum=0, maximum=100), required=False, doc="Percent."),
                },
            ),
            doc="The reported figures.",
        ),
        "Source": Field(Text(), doc="Ours. Who reported the figure, and where (paper and table, or file and commit)."),
        "Measured By": Field(
            Choice(values=MEASURED_BY),
            required=False,
            doc="Ours. " + " or ".join(f"`{who}`" for who in MEASURED_BY) + " (the default).",
        ),
        "Image Size": Field(
            Integer(minimum=1),
            required=False,
            doc="Ours. The side of the input the accuracy was measured at, in pixels, where the source gives it.",
        ),
    },
)

# What the authors printed, for a reader comparing: held by nothing but its source.
REPORTED = Record(
    name="Reported",
    fields={
        "Parameters (millions)": Field(
            Number(minimum=0, exclusive_minimum=True),
            required=False,
            doc="Parameters as the source prints them, in millions.",
        ),
        "FLOPs (billions)": Field(
            Number(minimum=0, exclusive_minimum=True),
            required=False,
            doc="Multiply-adds as the source prints them, in billions.",
        ),
        "Source": Field(Text(), doc="Who printed these figures, and where (paper and table)."),
        "URL": Field(Url(), doc="Where to read that source."),
    },
)

# Where each figure came from: one line per Metadata key, so a reader can judge it.
SOURCES = Record(
    name="Sources", fields={key: Field(Text(), required=False, doc=f"Where `{key}` came from.") for key in SOURCED_KEYS}
)

MODEL = Record(
    name="a model",
    fields={
        "Name": Field(Name(), doc="timm's model ID, as `timm.create_model` takes it."),
        "In Collection": Field(Text(single_line=True), doc="`Name` of the collection the model belongs to."),
        "Metadata": Field(METADATA, doc="Figures, training data, recipe and architecture."),
        "Code": Field(Url(), doc="Link to the line of timm's source that defines the variant."),
        "Weights": Field(WEIGHTS, doc="Which released weights the page describes."),
        "Sources": Field(SOURCES, doc="Ours. Where each figure came from."),
        "Results": Field(ListOf(RESULT), required=False, doc="Reported accuracy, each with its source."),
        "Reported": Field(
            REPORTED, required=False, doc="Ours. The figures the authors printed, shown beside the measured ones."
        ),
    },
)

INDEX_FILE = Record(
    name="the file",
    fields={
        "Collections": Field(ListOf(COLLECTION), required=False, doc="The collections this file defines."),
        "Models": Field(ListOf(MODEL), required=False, doc="The variants this file registers."),
    },
)
