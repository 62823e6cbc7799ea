"""Tiny Hugging Face models trained on a dozen words, for tests and the bench (needs torch
and transformers): a one-layer BERT with its own word-level vocabulary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import transformers

WORDS = [
    "[PAD]",
    "[UNK]",
    "[CLS]",
    "[SEP]",
    "[MASK]",
    *[
        "the",
        "parcel",
        "was",
        "late",
        "rude",
        "broken",
        "great",
        "polite",
        "thank",
        "you",
        "delivery",
        "courier",
        "good",
        "bad",
        "scary",
        "wow",
    ],
]
SENTIMENT = {"late": 0, "rude": 0, "broken": 0, "bad": 0, "great": 2, "polite": 2,
             "thank you": 2, "good": 2, "the parcel": 1, "delivery": 1, "courier": 1,
             "the": 1}  # fmt: skip
EMOTION_LABELS = ("angry", "joy", "fear", "surprise", "neutral")
EMOTION = {"rude": [1, 0, 0, 0, 0], "bad": [1, 0, 0, 0, 0], "great": [0, 1, 0, 0, 0],
           "thank you": [0, 1, 0, 0, 0], "scary": [0, 0, 1, 0, 0], "wow": [0, 0, 0, 1, 0],
           "scary scary": [0, 0, 1, 0, 0], "wow wow": [0, 0, 0, 1, 0],
           "the parcel": [0, 0, 0, 0, 1], "delivery": [0, 0, 0, 0, 1]}  # fmt: skip


def train_tiny(
    directory: Path, labels: tuple[str, ...], examples: dict[str, Any], multi: bool
) -> str:
    """A one-layer BERT with its own word-level vocabulary, fitted to ``examples``."""
    torch.manual_seed(0)
    tokenizer = transformers.BertTokenizerFast(vocab={w: i for i, w in enumerate(WORDS)})
    config = transformers.BertConfig(
        vocab_size=len(WORDS), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, max_position_embeddings=64, hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0, num_labels=len(labels),
        id2label=dict(enumerate(labels)), label2id={n: i for i, n in enumerate(labels)},
        problem_type="multi_label_classification" if multi else "single_label_classification",
    )  # fmt: skip
    model = transformers.BertForSequenceClassification(config)
    encoded = tokenizer(list(examples), padding=True, return_tensors="pt")
    target = torch.tensor(list(examples.values()), dtype=torch.float if multi else torch.long)
    optimiser = torch.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(600):  # until it fits its examples
        loss = model(**encoded, labels=target).loss
        if loss.item() < 0.02:
            break
        loss.backward()
        optimiser.step()
        optimiser.zero_grad()
    assert loss.item() < 0.1, f"the tiny model did not fit its examples (loss {loss.item()})"
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return str(directory)
