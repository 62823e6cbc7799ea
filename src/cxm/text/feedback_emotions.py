"""Gratitude and disappointment: two emotions customers' feedback is full of, read beside
the six basic ones (``FEEDBACK_EMOTIONS``).

Latin-script texts are read by a learnt model of the builtin backend's kind (the same
features as ``cxm.text.script_emotions``' Latin model, naive-Bayes scaled logistic
regressions, thresholds chosen out of fold), trained on GoEmotions' own gratitude and
disappointment labels and shipped in ``models/feedback_emotions.npz``, and by the phrases
below (an emotion either names is the text's). No labelled set of either emotion exists
here in Ukrainian or Russian, so every other text is read by the phrases alone, written
by the cxm authors: sincere thanks ("дякую", "спасибо", "вдячна"; not "ну дякую",
"спасибо за ничего", nor "благодаря" meaning "because of") and a let-down ("розчарована",
"ожидал большего", "не виправдали очікувань", "шкода, що", "к сожалению"). A negation
among the three words before a word in its clause ("ні разу не розчарувалась", "never
disappointed") cancels it; so do sarcasm ("ну дякую") and a refusal ("ні, дякую") for
thanks. Measured on texts a second annotator labelled (``tests/data/feedback_emotions*.csv``;
see docs/text-analytics.md).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from cxm.text.labels import FEEDBACK_EMOTIONS, Labelled
from cxm.text.lexicon import fold
from cxm.text.phrase_scan import PhraseScan, alternatives
from cxm.text.script_emotions import ScriptEmotions, fit_script, of_script
from cxm.text.trust import NOT as TRUST_NOT
from cxm.text.trust import PHRASES as TRUST_PHRASES
from cxm.text.trust import SIGNATURE as TRUST_SIGNATURE
from cxm.text.trust import WORDS as TRUST_WORDS
from cxm.text.trust import undone as trust_undone

SHIPPED = Path(__file__).resolve().parent / "models" / "feedback_emotions.npz"
_TESTS = Path(__file__).resolve().parents[3] / "tests" / "data"
LABELLED = [
    _TESTS / f"feedback_{part}.csv"
    for part in ("emotions", "emotions_fresh", "emotions_fresh2", "trust", "trust_fresh",
                 "trust_fresh2", "trust_fresh3")
]  # fmt: skip
PREFIX = "fe_lat"
LABEL_AT = 0.5  # the phrases' intensity from which an emotion is a label
LEARNT = FEEDBACK_EMOTIONS[:2]  # what the Latin-script model reads (GoEmotions labels them)


# Word starts, matched after folding; a word in ``_NOT`` never counts.
_WORDS = {
    "gratitude": """
        дяк подяк вдячн спасиб спасиби пасиб спс благодар признательн мерси мерсі ціную
        цінуємо ценю ценим
        thank thx grateful gratitude appreciat kudos
    """,
    "disappointment": """
        розчар разочар засмут засмуч расстро прикро обидн погірш ухудш зря дарма даремно
        жалію жалкую пошкодув пожалел
        disappoint underwhelm letdown gutted bummed
    """,
    "trust": TRUST_WORDS,
}
_NOT = frozenset(fold(w) for w in ["благодаря", "thankfully"]) | TRUST_NOT
# Phrases over the folded text: a let-down said without a word of the list above.
_PHRASES = {
    "gratitude": (
        r"низький уклін|низкий поклон|respect to|hats off|(cant|can not|cannot) thank|"
        r"не (можу|могу|можем|можемо) не (по)?(дяк|благодар)\w*"
    ),
    "disappointment": (
        r"очікува\w* (\w+ ){0,2}(більш|кращ|інш)\w*|чекал?\w* (\w+ ){0,2}(більш|кращ)\w*|"
        r"ожидал?\w* (\w+ ){0,2}(больш|лучш|друг)\w*|рассчитывал?\w* на|"
        r"expected (\w+ ){0,2}(more|better)|сподівал\w*|сподівав\w*|надеял\w*|hoped|(was|were|"
        r"had been) (really |so )?hoping|"
        r"не виправда\w* (\w+ )?(очікуван|сподіван)\w*|не оправда\w* (\w+ )?(ожидан|надежд)\w*|"
        r"на жаль|к сожалению|unfortunately|на превеликий жаль|увы|"
        r"шкода,? що|дуже шкода|шкода (грошей|витрачен\w*)|жаль,? (что|що|шо)|жалко,? (что|що)|"
        r"очень жаль|"
        r"жаль (потрачен\w*|денег)|шкоду\w*,? що|жалею,? что|regret\w*|сумно,? що|грустно,? что|"
        r"раніше (було|був|була) (краще|кращ\w*)|раньше (было|был|была) лучше|"
        r"used to be (better|great|good)|(стал|став|стала|стало|стали) (ще |еще |ещё )?"
        r"(гірш|хуже)\w*|got worse|gone downhill|went downhill|"
        r"let (me|us) down|let down|not what i expected|what a shame|such a shame|"
        r"what a pity|it'?s a pity|(якість|качество|quality) (\w+ ){0,2}(впала|упало|погіршил|"
        r"ухудшил|dropped|went down)\w*|"
        # Expectations against what came, and what is no longer as it was.
        r"(очікування|ожидани[ея]|expectations?)[^\w]+(vs\.?[^\w]+|versus[^\w]+|проти[^\w]+|"
        r"против[^\w]+)?(реальність|реальность|reality)|"
        r"не справдил\w*|не оправдал\w*|не відповіда\w* (\w+ )?очікуван\w*|"
        r"не соответству\w* (\w+ )?ожидани\w*|"
        r"(гірш\w*|хуже|worse),? (ніж|чем|than) (я |i )?(очікува|ожида|думал|думав|expect|"
        r"обіцял|обещал|promised|thought)\w*|"
        r"думал?\w*,? (що|что) (буде|будет|будут) (краще|лучше|якісн|качествен|більш|больш)\w*|"
        r"thought (it|they|this) would be (better|more)|(вже|уже) не (той|та|те|тот|то|та сама)\b|"
        r"(did ?n.?t|did not|does ?n.?t|does not|never) live up|fell short|falls short|"
        r"had (such )?high hopes|(is ?n.?t|was ?n.?t|not) what it used to be|sadly|"
        r"a let-?down|дуже прикро|очень обидно|грустно|used to (trust|love|like|rely)|"
        r"(раніше|раньше) (\w+ ){0,2}(довіря|доверя|любил|любив|уверен|впевнен)\w*|"
        # Looked forward to it, and then; not as in the photo; money thrown away; promised.
        r"(так (ждал|чекал)|мечтал|мріял|looked forward|looking forward)\w*( \w+){0,6},? "
        r"(а|але|но|but|and)\b|(ждал|чекал|waited)\w* (\w+ ){0,3}(місяць|месяц|тиждень|неделю|"
        r"month|week|year|рік|год)\w*,? (а|але|но|and)\b|не (как|як|такий|така|такое|таке|"
        r"такая) на "
        r"(фото|картин)\w*|nothing like the (photo|picture)|на вітер|на ветер|money wasted|"
        r"wasted (my )?money|"
        r"(деньги|гроші) (выброшен|викинут)\w*|waste of money|(хоча|хотя|although|though) "
        r"(\w+ ){0,3}(обіцял|обещал|promised)\w*|(раніше|раньше)( \w+){0,4} \w+(іш\w*|ее)\b|"
        r"used to be (\w+ ){0,2}(better|nicer|tastier|great|good)|"
        r"(постійн|постоянн|верн|вірн|loyal|long-?time)\w* (клієнт|клиент|покупат|customer)\w*"
        r"( \w+){0,5},? (але|но|but)\b|(була|був|была|был|been|i was) (вашим |вашою |вашей |your |"
        r"a )?(\w+ )?(клієнт|клиент|customer)\w*( \w+){0,6},? (але|но|but)\b|"
        # Not what was expected, then it turned out; once it was; promised and did not.
        r"не (такого|того|этого|цього|на таке|на такое) (\w+ )?(чекал|ожидал|очікувал|ждал|"
        r"розраховувал|рассчитывал)\w*|(а|але|но|but) (\w+ )?(виявил|оказал|выяснил|turned out)\w*|"
        r"(когда-то|колись) (\w+ ){0,3}(був|була|було|был|была|было)\b|"
        r"на (вас|тебе|тебя) (\w+ )?(рассчитывал|розраховувал)\w*|(was|were) counting on|"
        r"а (ведь |же )?(був|була|було|был|была|было|були|были)\b|"
        r"used to be (so|much|really|a lot|way) \w+|used to be \w+er\b|"
        r"(навіщо|нащо|зачем|why did|why would) (\w+ ){0,2}(переплат|платил|платив|заплат|pay|"
        r"paid)\w*|shame (you|that|they|the|it)\b|(обещали|обіцяли|пообещали|пообіцяли|promised|"
        r"said you.?d)\w*( \w+){0,5},? (и|і|and) (так и |так і )?(не|never)\b|"
        # Looked forward, wanted to please someone, thought it would be, and then.
        r"(так|so) (ждал|чекал|хотел|хотіл|мечтал|мріял|wanted)\w*|(хотіл|хотел|wanted)\w* "
        r"(\w+ ){0,2}(порад|to treat|to surprise)\w*|(зачем|навіщо|нащо|why) (было|було|did you|"
        r"would you) (ломать|ламати|change|міняти|менять|break)\w*|"
        r"(?<!ніж я )(?<!ніж )(?<!чем я )(?<!чем )(?<!than i )"
        r"(ожидал|очікувал|думал|думав|thought|розраховувал|рассчитывал|надеял|сподівал)\w*"
        r"([^.!?]{0,80}?)[,;] ?(а|але|но|but) |(а|але|но|but) (по факту|на деле|на ділі|"
        r"in reality|in fact)|(чекав|чекала|ожидал|ожидала) (чогось|чего-то|чего то)|"
        r"(не|never) (ожидал|очікувал|чекал|expected)\w* (такого )?(от|від|from)|"
        r"(от|від|from) (такого|вас) (\w+ )?(не ожидал|не очікувал|не чекал)\w*|"
        r"(ухожу|йду) (до|к) конкурент\w*|переходжу до інш\w*|перехожу к друг\w*|"
        r"(свято|праздник|день|вечер|подарунок|сюрприз|birthday|holiday)\w* (\w+ )?(зіпсован|"
        r"испорчен|ruined)\w*"
    ),
    "trust": TRUST_PHRASES,
}
# One pattern for all (a named group per emotion and kind), searched once per text; a
# phrase is tried before a word at the same place.
_STARTS = {n: "|".join(map(re.escape, sorted({fold(w) for w in ws.split()})))
           for n, ws in _WORDS.items()}  # fmt: skip
_NAMED = [
    (f"{n}_phrase", [rf"\b(?:{a})\b" for a in alternatives(fold(p))]) for n, p in _PHRASES.items()
] + [(f"{n}_word", [rf"\b(?:{a})\w*" for a in alternatives(s)]) for n, s in _STARTS.items()]
_HITS = PhraseScan(_NAMED)
_NEGATIONS = frozenset(
    fold(w)
    for w in (
        "не", "ні", "ни", "нет", "ніколи", "никогда", "not", "never", "no", "dont", "doesnt",
        "didnt", "isnt", "wasnt", "arent", "werent", "cant", "cannot", "wont", "havent",
        "hasnt", "hardly",
    )
)  # fmt: skip
_SARCASM = re.compile(
    fold(
        r"\b(ну|ага),? (дякую|спасибо|спасибі|thanks)\b|"
        r"\b(ні|нет|no),? (дякую|спасибо|спасибі|thanks|thank you)\b|"
        r"(дякую|спасибо|спасибі|спасибочки|thanks|thank you)( вам)?( большое| велике| a lot)? "
        r"за (нічого|ничего)|thanks? (you )?(a lot )?for nothing|"
        r"[\"«“„'](дякую|спасибо|спасибі|thanks|thank you)|(дякую|спасибо|спасибі|thanks),? "
        r"(що|что|for) (\w+ )?(вкотре|опять|знову|снова|again)|(дякую|спасибо|спасибі|thanks),? "
        r"(не треба|не надо|не нужно|no need)"
    )
)
_POLITE = re.compile(fold(r"\b(would|i'd|we'd) (really |greatly )?appreciate\b"))
_CLAUSE = re.compile(r"[.!?;:,\n]+")
_WORD = re.compile(r"\w+")


def counts(text: str) -> np.ndarray:
    """How many times each of ``FEEDBACK_EMOTIONS`` is said in the first 2,000 characters."""
    return _scan(text)[0]


def _scan(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The sayings counted per emotion, and which emotions the text only denies: one pass."""
    said = np.zeros(len(FEEDBACK_EMOTIONS), dtype=np.float32)
    negated = np.zeros(len(FEEDBACK_EMOTIONS), dtype=bool)
    for k, _, _ in _said(fold(text[:2_000]), negated):
        said[k] += 1
    return said, negated & (said == 0)


def spans(text: str, name: str) -> list[tuple[int, int]]:
    """Character spans of the words and phrases that say ``name`` (gratitude or
    disappointment) in the first 2,000 characters: what a reader can check."""
    folded, origin = [], []
    for i, ch in enumerate(text[:2_000]):  # folding drops apostrophes: keep where each is from
        for f in fold(ch):
            folded.append(f)
            origin.append(i)
    k = FEEDBACK_EMOTIONS.index(name)
    return [(origin[a], origin[b - 1] + 1) for j, a, b in _said("".join(folded)) if j == k]


def denied(text: str) -> np.ndarray:
    """Which of ``FEEDBACK_EMOTIONS`` the text only denies ("didn't disappoint", "ні разу
    не розчарувалась"): said, but every time negated."""
    return _scan(text)[1]


def _said(folded: str, negated: np.ndarray | None = None) -> list[tuple[int, int, int]]:
    """(emotion index, start, end) of each saying in a folded text (and in ``negated``,
    which emotions were said negated)."""
    found = []
    for group, m in _HITS.finditer(folded):
        name, kind = group.rsplit("_", 1)
        if m.group() in _NOT:
            continue
        if _negated(folded, m.start()):
            if negated is not None:
                negated[FEEDBACK_EMOTIONS.index(name)] = True
            continue
        if name == "trust" and trust_undone(folded, m.start(), m.end(), kind == "word"):
            continue
        found.append((FEEDBACK_EMOTIONS.index(name), m.start(), m.end()))
    if any(k == 0 for k, _, _ in found) and (_SARCASM.search(folded) or _POLITE.search(folded)):
        found = [f for f in found if f[0] != 0]  # no thanks after all
        if negated is not None:
            negated[0] = True
    return found


def _negated(folded: str, at: int) -> bool:
    """Whether a negation is among the three words before ``at`` in its clause."""
    clause = _CLAUSE.split(folded[max(0, at - 60) : at])[-1]
    return any(w in _NEGATIONS for w in _WORD.findall(clause)[-3:])


def phrase_intensity(texts: list[str]) -> np.ndarray:
    """(n, 3) intensities from the phrases: 0.7 for one, 0.91 for two, ..."""
    return _phrases(texts)[0]


def _phrases(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(n, 3) intensities from the phrases and (n, 3) which emotions each text denies."""
    if not texts:
        k = len(FEEDBACK_EMOTIONS)
        return np.zeros((0, k), dtype=np.float32), np.zeros((0, k), dtype=bool)
    scanned = [_scan(t) for t in texts]
    hits = np.vstack([c for c, _ in scanned])
    return np.asarray(1 - 0.3**hits, dtype=np.float32), np.vstack([d for _, d in scanned])


class FeedbackEmotions:
    """Reads ``FEEDBACK_EMOTIONS``: the learnt Latin-script model where there is one, the
    phrases elsewhere."""

    def __init__(self, latin: ScriptEmotions | None) -> None:
        self.latin = latin
        said = (_PHRASES, _WORDS, sorted(_NOT), sorted(_NEGATIONS), TRUST_SIGNATURE)
        digest = hashlib.sha1(repr(said).encode())
        if latin is not None:
            digest.update(latin.coef.astype(np.float16).tobytes()[:1_000_000])
        self.version = f"fe{digest.hexdigest()[:6]}"

    @classmethod
    def load(cls, path: Path = SHIPPED) -> FeedbackEmotions:
        if not path.exists():
            return cls(None)
        with np.load(path, allow_pickle=False) as z:
            return cls(ScriptEmotions.from_arrays(z, "latin", LEARNT, PREFIX))

    def save(self, path: Path = SHIPPED) -> None:
        if self.latin is not None:
            np.savez_compressed(path, **self.latin.arrays())  # type: ignore[arg-type]

    def read(
        self, texts: list[str], counts: Any = None, lexicon: Any = None, share: Any = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(n, 3) intensities and (n, 3) thresholds of each text (``counts``, ``lexicon``,
        ``share``: the texts' features, when already computed). A Latin-script text has an
        emotion when the learnt model or a phrase says so."""
        intensity, denials = _phrases(texts)
        cut = np.full(intensity.shape, LABEL_AT, dtype=np.float32)
        if self.latin is not None and texts:
            rows = np.flatnonzero(of_script(texts, "latin", share))
            if len(rows):
                c = counts[rows] if counts is not None else None
                lx = lexicon[rows] if lexicon is not None else None
                learnt = self.latin.probabilities([texts[i] for i in rows], c, lx)
                k = len(LEARNT)
                # What the text denies the model does not read either ("didn't disappoint").
                learnt = np.where(denials[rows, :k], 0.0, learnt)
                said = intensity[rows, :k] >= LABEL_AT
                cut[rows, :k] = np.where(said, np.minimum(self.latin.thresholds, LABEL_AT),
                                         self.latin.thresholds)  # fmt: skip
                intensity[rows, :k] = np.maximum(learnt, intensity[rows, :k])
        return intensity, cut


def fit_latin(data: Labelled, thresholds: np.ndarray | None = None) -> ScriptEmotions | None:
    """The learnt model of ``LEARNT`` (gratitude and disappointment) on the Latin-script rows
    of ``data`` (the six-emotion Latin model's settings; thresholds out of fold unless given)."""
    only = Labelled()
    for text, found in zip(data.texts, data.emotions, strict=True):
        if found is not None:
            only.add(text, None, found & frozenset(LEARNT), "en")
    model = fit_script(only, "latin", thresholds, LEARNT)
    if model is not None:
        model.prefix = PREFIX
    return model


def report(reader: FeedbackEmotions, data: Labelled) -> dict[str, Any]:
    """``emotion_report`` of the reader's feedback emotions on ``data`` (those it labels)."""
    from cxm.text.evaluation import emotion_report

    rows = [i for i, e in enumerate(data.emotions) if e is not None]
    texts = [data.texts[i] for i in rows]
    intensity, cut = reader.read(texts)
    predicted = [
        {e for k, e in enumerate(FEEDBACK_EMOTIONS) if p[k] >= c[k]}
        for p, c in zip(intensity, cut, strict=True)
    ]
    truth = [set(data.emotions[i] or ()) & set(FEEDBACK_EMOTIONS) for i in rows]
    return emotion_report(truth, predicted)


def main() -> None:
    """Measure the reader, then train the shipped Latin-script model and write it."""
    parser = argparse.ArgumentParser(description="Build and measure gratitude/disappointment.")
    parser.add_argument("--data", type=Path, default=Path("../shared/data/text"))
    parser.add_argument("--labelled", type=Path, nargs="*", default=LABELLED)
    parser.add_argument("--out", type=Path, default=SHIPPED)
    parser.add_argument("--measure-only", action="store_true", help="Write no model.")
    args = parser.parse_args()
    from cxm.text.corpora import read_goemotions_file
    from cxm.text.labels import read_labelled

    train = read_goemotions_file(args.data / "goemotions" / "train.tsv")
    dev = read_goemotions_file(args.data / "goemotions" / "dev.tsv")
    measured = FeedbackEmotions(fit_latin(train))
    out: dict[str, Any] = {"en_goemotions_dev": report(measured, dev)}
    for path in args.labelled:
        data = read_labelled(path, "emotion")
        for language in sorted(set(data.language)) + ["all"]:
            rows = [i for i, x in enumerate(data.language) if language in (x, "all")]
            out[f"{path.stem}/{language}"] = report(measured, data.subset(rows))
    for name, r in out.items():
        per = "  ".join(f"{e} {v['f1']:.3f} (n {v['n']})" for e, v in r["per_class"].items())
        print(f"{name:<32} macro-F1 {r['macro_f1'] or 0:.3f}  {per}")
    if args.measure_only or measured.latin is None:
        return
    shipped = FeedbackEmotions(
        fit_latin(Labelled().extend(train).extend(dev), measured.latin.thresholds)
    )
    shipped.save(args.out)
    metrics = args.out.with_name(args.out.stem + "-metrics.json")
    metrics.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({shipped.version}) and {metrics.name}")


if __name__ == "__main__":
    main()
