"""Text features that need no vocabulary: hashed character and word n-grams.

Character n-grams (2-5, within word boundaries) carry inflected Ukrainian and Russian word
forms and shared roots across the two; word unigrams and bigrams carry negation and
phrases. Both are hashed into fixed spaces, so a model is its coefficients alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

from cxm.text.lexicon import CLASSES, fold, matrix

CHAR_BITS = 18
WORD_BITS = 17
MAX_CHARS = 2_000
_URL = re.compile(r"https?://\S+")

_CHAR = HashingVectorizer(
    analyzer="char_wb",
    ngram_range=(2, 5),
    n_features=2**CHAR_BITS,
    alternate_sign=False,
    norm=None,
    lowercase=True,
)
_WORD = HashingVectorizer(
    analyzer="word",
    ngram_range=(1, 2),
    n_features=2**WORD_BITS,
    alternate_sign=False,
    norm=None,
    lowercase=True,
    token_pattern=r"(?u)\b\w+\b|[!?]",
)
LEXICON_SCALE = 1.0  # lexicon counts sit beside unit-length n-gram rows
SCRIPTS = 2  # share of Cyrillic and of Latin letters: a bias of its own per script
N_FEATURES = 2**CHAR_BITS + 2**WORD_BITS + len(CLASSES) + SCRIPTS
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-zA-Z]")


def clean(text: str) -> str:
    """The text as its n-grams are counted: links dropped, letters folded (``fold``: shared
    Ukrainian and Russian roots share n-grams, a cheap bridge between them)."""
    return fold(_URL.sub(" ", text[:MAX_CHARS]))


def scripts(texts: Sequence[str]) -> np.ndarray:
    """(n, 2) shares of Cyrillic and Latin among each text's first characters' letters, so
    that English and the Cyrillic languages, trained together, keep their own base rates."""
    out = np.zeros((len(texts), SCRIPTS), dtype=np.float32)
    for i, text in enumerate(texts):
        head = text[:MAX_CHARS]
        cyrillic, latin = len(_CYRILLIC.findall(head)), len(_LATIN.findall(head))
        if cyrillic + latin:
            out[i] = (cyrillic / (cyrillic + latin), latin / (cyrillic + latin))
    return out


def hashed_counts(texts: Sequence[str]) -> Any:
    """(n, 2**CHAR_BITS + 2**WORD_BITS) counts of the hashed character and word n-grams."""
    cleaned = [clean(t) for t in texts]
    return sparse.hstack([_CHAR.transform(cleaned), _WORD.transform(cleaned)]).tocsr()


def featurize(
    texts: Sequence[str], counts: Any = None, lexicon: Any = None, share: Any = None
) -> Any:
    """Sublinear term frequencies of both n-gram kinds (each row scaled to unit length),
    the eight log-scaled lexicon counts and the two script shares (``counts``, ``lexicon``
    and ``share``: the texts' hashed counts, lexicon matrix and script shares, when already
    computed)."""
    counts = hashed_counts(texts) if counts is None else counts
    tf = TfidfTransformer(use_idf=False, sublinear_tf=True, norm="l2")
    lexical = matrix(list(texts)) if lexicon is None else lexicon
    script = sparse.csr_matrix(scripts(texts) if share is None else share)
    return sparse.hstack(
        [tf.fit_transform(counts), sparse.csr_matrix(lexical * LEXICON_SCALE), script]
    ).tocsr()


def as_float32(matrix: Any) -> Any:
    return matrix.astype(np.float32)
