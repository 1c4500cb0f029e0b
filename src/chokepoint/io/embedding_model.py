"""Load a dense text encoder for matching from a local sentence-transformers model folder.

Nothing is ever downloaded: the folder must hold a model saved with
``SentenceTransformer(...).save(folder)``, and it is opened with ``local_files_only=True`` and the
Hugging Face hub set offline. The optional dependency is installed with
``pip install 'chokepoint[embeddings]'``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from chokepoint.errors import UsageError
from chokepoint.match.rank import Embedder

#: Environment variable naming the default model folder.
EMBEDDING_MODEL_ENV = "CHOKEPOINT_EMBEDDING_MODEL"


def local_embedder(folder: str | os.PathLike[str]) -> Embedder:
    """Return a text encoder backed by the sentence-transformers model saved in ``folder``.

    Raises :class:`~chokepoint.errors.UsageError` when the folder is missing or is not a saved
    model, or when sentence-transformers is not installed.
    """
    path = Path(folder)
    if not path.is_dir():
        raise UsageError(
            f"{path}: no such embedding model folder; pass a folder holding a sentence-transformers "
            f"model saved with model.save(folder) (option --embedding-model or ${EMBEDDING_MODEL_ENV})"
        )
    if not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise UsageError(f"{path}: not a saved sentence-transformers model (no modules.json or config.json)")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise UsageError(
            "dense embeddings need the optional package sentence-transformers: "
            "pip install 'chokepoint[embeddings]'"
        ) from None
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    model = SentenceTransformer(str(path), local_files_only=True)

    def embed(texts: Sequence[str]) -> np.ndarray:
        return np.asarray(model.encode(list(texts), convert_to_numpy=True, normalize_embeddings=True))

    return embed
