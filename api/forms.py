"""Form fields read from a model's fields, so that a form is declared once: by its model."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Annotated, Any

from annotated_types import MaxLen
from fastapi import Form
from pydantic import BaseModel


def form_fields(model: type[BaseModel]) -> Callable[..., dict[str, Any]]:
    """A FastAPI dependency that reads each field of `model` from the form field of the
    same name (optional, with the field's description and length cap) and hands the
    values back unvalidated by the model, so the route decides when a refusal is due."""
    parameters = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=None,
            annotation=Annotated[
                field.annotation, Form(max_length=_max_length(field.metadata), description=field.description)
            ],
        )
        for name, field in model.model_fields.items()
    ]

    def read(**values: Any) -> dict[str, Any]:
        return values

    read.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return read


def _max_length(metadata: list[Any]) -> int | None:
    return next((m.max_length for m in metadata if isinstance(m, MaxLen)), None)
