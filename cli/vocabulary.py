"""`provenance train-vocabulary`: the visual vocabulary the feature index lists descriptors by."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.output import err, out
from provenance.folders import iter_files
from provenance.library.index.vocabulary import SHIPPED, train_vocabulary, training_descriptors


def train(
    folders: Annotated[list[Path], typer.Argument(help="Folders of photographs to train on.")],
    output: Annotated[Path, typer.Option("--out", help="Where to write the vocabulary.")] = SHIPPED,
    seed: Annotated[int, typer.Option(help="Seed of the k-means.")] = 0,
) -> None:
    """Train the visual vocabulary (two-level k-means over ORB descriptors). The package
    ships one; a saved feature index keeps the words it was built with, so a new
    vocabulary takes effect when the index is rebuilt (delete PROVENANCE_HOME/indexes)."""
    files = list(iter_files([str(folder) for folder in folders]))
    descriptors = training_descriptors(Path(f).read_bytes() for f in files)
    if len(descriptors) == 0:
        err.print("No photograph gave descriptors to train on.", highlight=False)
        raise typer.Exit(2)
    train_vocabulary(descriptors, seed).save(output)
    out.print(f"{len(descriptors):,} descriptors of {len(files)} files -> {output}", highlight=False)
