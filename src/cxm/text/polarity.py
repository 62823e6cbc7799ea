"""Review polarity: how positive and how negative a customer review's own words are.

A hand-written lexicon of review vocabulary in Ukrainian, Russian and English (praise and
complaint about delivery, stores, products, the contact centre, apps, returns, prices),
each entry a word start with a weight, matched after the same Ukrainian and Russian letter
folding as the models (і/и, є/е, ы/и ...) so that every form of a word matches and shared
roots match in both languages. The longest matching start wins, so an entry of weight 0
blocks a longer word that only looks like a shorter one ("лютого" is not "лют").

Read around each word: a negation up to three words before it turns it to the other side
("не рекомендую", "ні разу не пошкодувала", "not happy", "без проблем"), an intensifier
before it ("дуже", "очень", "very") weighs it 1.5 times, a word before "але"/"но"/"but" in
its sentence or inside an "хоча"/"хотя"/"although" clause counts half (the review's
conclusion comes after the contrast), and a praise word in quotation marks is sarcasm
(«швидка» доставка) and counts as complaint. A few phrases ("більше ніколи", "деньги на
ветер", "thanks for nothing", stars) and service failures ("не приїхав", "didn't call")
count as complaint, and so do the failure states of products and services ("не вмикається",
"arrived damaged", "charged twice": ``cxm.text.failure_states``); a question counts toward
neutral.

``adjust`` combines these with a model's three sentiment probabilities (see
``cxm.text.builtin``). Written by the cxm authors.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from cxm.text import failure_states

VERSION = "r5"

_LETTERS = {"і": "и", "ї": "и", "є": "е", "ґ": "г", "ы": "и", "э": "е", "ё": "е"}
_FOLD = str.maketrans({**_LETTERS, "'": "", "’": "", "ʼ": "", "`": ""})
_FOLD_IN_PLACE = str.maketrans(_LETTERS)  # letters only: every character keeps its place
_APOSTROPHES = str.maketrans({"'": "", "’": "", "ʼ": "", "`": ""})

# "stem:weight" (weight 1 when left out); "word$" matches that whole word only.
_POSITIVE = """
    дяку вдячн подяк чудов видминн супер суперов класн клас$ задоволен задоволн рекоменд
    раджу$ радимо$ прекрасн ввичлив зручн приємн найкращ кращ:0.5 молодц молодець щаслив
    якисн гарн:0.7 гарно добре:0.7 добрий:0.5 добра$:0.5 добре$:0.7 любл сподоба идеальн
    идеал швидк:0.6 швидше:0.6 вчасн оперативн уважн:0.7 привитн компетентн професийн чесн
    надийн смачн свиж:0.5 вигидн акуратн бездоганн топ$ вогонь$ бомба$ бомбезн респект
    порадува радий$ рада$ радиемо захват захоплен неймовирн шикарн круто$ крут:0.7 обожн
    неперевершен фантастичн приятн чотк:0.7 четк:0.7 пунктуальн допомог:0.7
    розибрал:0.7 вирише:0.7 виришил:0.7 уважно$:0.3 просто$:0 зрозумил:0.5

    спасиб благодар отличн классн доволен довольн вежлив удобн приятн лучш:0.7 хорош понрав
    восхищ счастлив качествен идеальн быстр:0.6 вовремя$ оперативн внимательн приветлив
    компетентн профессионал честн надежн вкусн свеж:0.5 выгодн аккуратн безупречн огонь$
    советую$ советуем$ радует рад$ рада$ восторг великолепн замечательн умнич обожа люблю$
    круто$ крутой$ порадова пунктуальн помог:0.7 разобрал:0.7 решил:0.7 решен:0.5 понятн:0.5
    лучше$:0.5 лучшее$:1

    thank great excellent amazing love lovely happy glad perfect polite helpful recommend
    wonderful fantastic satisfied pleased best nice awesome brilliant fast:0.6 quick:0.6
    prompt friendly delicious fresh:0.5 reliable smooth easy:0.5 efficient professional
    courteous superb outstanding impressed fabulous kudos respect worth:0.6 bargain pleasant
    flawless exceeded enjoy punctual attentive honest:0.7 comfortable:0.7 tasty helped:0.7
    solved:0.7 sorted:0.6 fixed:0.5 simple:0.5 clear:0.4 better:0.5
    """
_NEGATIVE = """
    жахлив поган погано огидн розчаров гирш обман обдур злама злам:0.7 пошкодж подряпан
    подряпин затрим запизн груб хам игнор неприйнятн неякисн бракован брак$ незадовол скарг
    шкода$ шкодую сумн ганеб знущ бездар дратуе обурен нахаб бридк гидк жах$ жах кошмар
    розвод лохотрон шахра брехн брехл бреш прострочен несвиж гнил черств холодн:0.5
    дорог:0.5 дорожч:0.5 завищ накрут гальму завис вилита вилетит глюч глюк помилк
    видмов:0.7 повильн довго:0.5 довгий:0.5 черг:0.5 нуль$ ниякий:0.5 доси:0.7
    втрат:0.7 загуб зник:0.7 пропа:0.7 вкрал вкрад списали:0.5 скасува:0.5 видписк
    шаблон:0.5 проблем:0.3 принизлив неввичлив некомпетентн безлад брудн бруд смердит воня
    алерги висип розклеи порва рваний розирван розбит мокр вмятин дефект несправн трищ
    катишк пошкодув неприемн невдал несмачн неуважн непрофес неохайн некорект нечесн
    ненадийн сумнив:0.5 видпис:0.7 неможлив:0.7 перестав:0.7 перестал:0.7 маломир:0.5
    занадто:0.5 двичи:0.5 повторно:0.3 линяе незручн неадекват жалюгидн видстий фигн жесть
    треш капец кривий:0.5 криви:0.5 тупо:0.5 обурлив марно:0.7 шкодуемо:0 пизно:0.7
    пизниш:0.7

    ужасн ужас$ плох отвратит отвратн разочаров хуже худш обман сломал слома:0.7 поврежд
    царапин поцарапан задерж опозд груб хам игнор неприемлем некачествен бракован брак$
    недовол жалоб позор издева бездарн бесит возмущ нагл мерзк гадк противн кошмар развод
    лохотрон мошенн обманул вран просроч несвеж гнил черств холодн:0.5 дорог:0.5 дороже:0.5
    завыш накрут тормоз завис вылета глюч ошибк медленн долго:0.5 очеред:0.5 отказ:0.7
    потерял потерян пропал:0.7 украл списал:0.5 отменил:0.5 отписк шаблон:0.5 проблем:0.3
    унизит невежлив некомпетентн бардак грязн грязь воня аллерги сип$ развалил порвал порван
    рван разбит мокр вмятин дефект неисправн трещин катышк линя неудобн неадекват жалк
    отстой фигн жесть треш жаль жалею пожалел крив:0.5 никакой:0.5 поздно:0.7 ноль$ угробил
    испорч испортил пожалеет неприятн невкусн невнимат непрофес неаккурат некоррект нечестн
    ненадежн неорганиз наглядн:0 неудачн отпис:0.7 невозможн:0.7 маломер:0.5 слишком:0.5
    дважди:0.5 дважды:0.5

    terrible awful horrible worst bad poor disappoint broke broken damag late:0.7 delay rude
    ignor scam unacceptable useless complain furious angry annoy outrage ridiculous disgust
    gross nasty unhappy upset lost:0.7 missing:0.7 cold:0.5 mould mold rotten stale expired
    overpriced expensive:0.5 pricey:0.5 slow crash bug:0.5 glitch error:0.7 fail cancel:0.5
    wrong:0.7 mess dirty filthy smell:0.5 stink crack scratch dent soaked wet:0.5 torn
    ripped defect faulty junk rubbish garbage waste worthless flimsy unprofessional
    incompetent hopeless pathetic nightmare avoid sucks mediocre:0.6 fraud dishonest
    misleading hidden:0.5 regret refused:0.7 reject:0.7 problem:0.3 issue:0.3 nobody:0.7
    apart:0.5 worse unhelpful impolite noisy:0.5 loud:0.3 sticky overcharg impossible:0.7
    stopped:0.7 twice:0.5 too$:0.5 still$:0.4 elsewhere:0.5 later$:0 latest:0
    lately:0 mess$ messy message:0 dent$ dented dentist:0 unfriendly unreliable unpleasant
    uncomfortable inconvenient impolite badge:0
    """


def _words(spec: str) -> frozenset[str]:
    return frozenset(spec.split())


# Words that turn the sentiment word after them (within three words) to the other side.
_NEGATORS = _words(
    """не ни нет без нема немае not no never without dont didnt doesnt wont cant isnt
    wasnt arent werent wouldnt couldnt hasnt havent nothing нияких ниякого ниякои жодних
    жодного жоднои никаких никакого"""
)
_INTENSIFIERS = _words(
    """дуже надзвичайно зовсим абсолютно максимально реально неймовирно такий така таке так
    вкрай настильки очень крайне совсем невероятно такой такая такое настолько very really
    so extremely absolutely totally super incredibly truly utterly"""
)
# Clauses before these count half: the review's conclusion follows them.
_BUT = _words("але проте однак зате но однако зато but however though yet")
# Clauses opened by these count half up to the next comma: a concession.
_ALTHOUGH = _words("хоча хоч хотя хоть although despite")

# Plain verbs of service that failed when negated ("не приїхав", "didn't call").
_FAILURES = tuple(
    sorted(
        _words(
            """прийш приих привез подзвон передзвон дзвон поперед працю видпов допомог поверн
    доставл доставив видправ дозвон пояснил виришил вирише приехал позвон перезвон
    предупред работа ответ помог верну доставил отправ дозвон объясн решил пришл
    поспиша спеш дочека дожда застосов применя
    show arriv work call respond reply help deliver turn answer fix explain ring apply"""
        )
        | _words(failure_states.FAILED_VERBS)
    )
)
_PHRASE_LIST: tuple[tuple[str, float], ...] = (
    (r"\b(бильше|больше)\s+(николи|никогда|ни ногой)\b", -1.5),
    (r"\bnever\s+again\b", -1.5),
    (r"\b(грош\w*|деньг\w*)\s+на\s+(витер|ветер)\b", -1.5),
    (r"\bwaste\s+of\s+(money|time)\b", -1.5),
    (r"\b(ниякого|никакого|без)\s+(сервис|обслугов|обслужив)\w*", -1.0),
    (r"\bno\s+questions\s+asked\b", 1.0),
    (r"\bбез\s+(жодних\s+|зайвих\s+|лишних\s+|всяких\s+)?(питань|вопросов|проблем)", 1.0),
    (r"\bgave\s+up\b", -1.0),
    (r"\bне\s+(витрим|видерж)\w*\s+(критик|никак)", -1.0),
    (r"(?:^|\W)(?:1|2|одн\w*|дв\w*|one|two)\s*(?:зирк|звезд|star)", -1.5),
    (r"(?:^|\W)(?:4|5|чотир\w*|четир\w*|пят\w*|four|five)\s*(?:зир|звезд|star)", 1.5),
    # Loyalty told as a count ("замовляю вже п'ятий раз", "ordered here five times"): a
    # returning customer, not a retry; it starts before the count, so it takes its place.
    (
        r"\b(?:замовля|заказива|купу|покупа|order|bought|buy|shop)\w*(?:\s+\w+){0,3}?\s+"
        r"(?:\d+|дв\w*|три|тр[ие]\w*|чотир\w*|четыр\w*|пят\w*|пять|десят\w*|two|three|four|"
        r"five|several)\s+(?:раз\w*|times)\b",
        0.5,
    ),
    # Complaints told as facts: the same thing tried again and again, a state that still
    # has not changed, a promise that was only "supposed" to hold.
    (
        r"\b(?:\d+|дв\w*|три|тр[ие]\w*|чотир\w*|четыр\w*|пят\w*|пять|десят\w*|two|three|four|"
        r"five|several|dozen|a dozen)\s+(?:раз\w*|times|emails|calls|дзвинк\w*|звонк\w*|лист\w*|"
        r"пис\w*)\b",
        -1.0,
    ),
    (r"\b(?:втрет|вчетверт|впят)\w*", -1.0),
    (
        r"\b(?:доси|до сих пор|still)\s+(?:не|ни|нет|нема\w*|no|not|says|shows|stuck|waiting|"
        r"лежит\w*|лежить|висит\w*|висить|чека\w*|жду|ждем)\b",
        -1.0,
    ),
    (r"\b(?:нибито|якобы|supposedly|allegedly)\b", -0.7),
    # Praise of the past ("раніше все було вчасно", "it used to arrive on time"): a let-down,
    # so the praise word it holds counts for nothing and the phrase as complaint.
    (
        r"\b(?:ранише|раньше|колись|прежде)\s+(?:\w+\s+){0,2}?(?:було|било|були|били)\s+"
        r"(?:\w+\s+)?(?:вчасно|вовремя|краще|лучше|добре|хорошо|швидше|бистрее|смачнише|"
        r"вкуснее|нормально|идеально|отлично|чудово|супер)",
        -2.0,
    ),
    (
        r"\bused\s+to\s+(?:be\s+(?:\w+\s+)?(?:good|great|better|fast|reliable|on\s+time)|"
        r"(?:arrive|come|be\s+delivered)\s+on\s+time)",
        -2.0,
    ),
    (r"👍|❤|😍|🥰|😊|🙂|🔥|💯|👏|🙏", 1.0),
    (r"👎|😡|🤬|😠|😤|💩|🤮|😞|😢|😭", -1.0),
)
# One pattern for all phrases (a named group each), searched once per text.
_PHRASES = re.compile("|".join(f"(?P<p{k}>{p})" for k, (p, _) in enumerate(_PHRASE_LIST)))
_PHRASE_WEIGHT = {f"p{k}": w for k, (_, w) in enumerate(_PHRASE_LIST)}
# Lukewarm words: what a three-star review says ("нічого особливого", "so-so").
_LUKEWARM = re.compile(
    r"\b(звичайн\w*|обичн\w*|середн\w*|средн\w*|нормальн\w*|норм|ну таке|ну такое|так соби|"
    r"так себе|сойдет|ничого особлив\w*|ничего особен\w*|ничего видающ\w*|ничого надзвич\w*|"
    r"average|ordinary|nothing special|meh|so-so|okay|ok|fine|decent|mediocre|standard|"
    r"стандартн\w*)\b"
)
_QUESTION = re.compile(
    r"\?\s*$|^(чи|пидкаж\w*|подскаж\w*|скаж\w*|когда|коли|как|як|где|де|есть ли|"
    r"is|are|can|could|do|does|how|when|where|will|what)\b"
)
_TOKEN = re.compile(r"[«»\"“”„]|\w+(?:['’]\w+)*|[.!?;,:]")
_SARCASM = re.compile(r"\bну\s+(дякую|спасибо|спасиби)\b|\bthanks?\s+for\s+nothing\b")
_QUOTES = frozenset('«»"“”„')
_STOPS = frozenset(".!?;")


def _table(spec: str, sign: float) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in spec.split():
        stem, _, weight = item.partition(":")
        out[stem.lower().translate(_FOLD)] = sign * float(weight or 1)
    return out


_LEXICON = {**_table(_POSITIVE, 1.0)}
for _stem, _w in {**_table(_NEGATIVE, -1.0), **_table(failure_states.WORDS, -1.0)}.items():
    _LEXICON[_stem] = _w if _stem not in _LEXICON or _w == 0 else _LEXICON[_stem]
_LONGEST = max(len(s.rstrip("$")) for s in _LEXICON)


@lru_cache(maxsize=100_000)
def word_weight(word: str) -> float:
    """The lexicon weight of one folded, lower-cased word (0 when it has none)."""
    exact = _LEXICON.get(word + "$")
    if exact is not None:
        return exact
    for n in range(min(len(word), _LONGEST), 2, -1):
        found = _LEXICON.get(word[:n])
        if found is not None:
            return found
    return 0.0


def polarity(text: str) -> tuple[float, float, float, float]:
    """(positive, negative, question, lukewarm) of one text's first 2,000 characters: the
    weighted praise and complaint it holds (each 0 or more), 1 when it reads as a question,
    and how many lukewarm words it has ("звичайний", "nothing special")."""
    read, sarcastic = _read(text)
    positive = negative = 0.0
    for _, _, w in read:
        if w > 0 and not sarcastic:
            positive += w
        else:
            negative += abs(w)  # in a sarcastic review, praise is complaint
    folded = text[:2_000].lower().translate(_FOLD)
    for m in _PHRASES.finditer(folded):
        w = _PHRASE_WEIGHT[m.lastgroup or ""]
        positive, negative = positive + max(w, 0.0), negative + max(-w, 0.0)
    negative += failure_states.complaint(folded)
    question = 1.0 if _QUESTION.search(folded.strip()) else 0.0
    lukewarm = float(len(_LUKEWARM.findall(folded)))
    return positive, negative, question, lukewarm


def spans(text: str, sentiment: str) -> list[tuple[int, int]]:
    """Character spans of the words that count for ``sentiment`` (positive or negative)
    in the first 2,000 characters, read as ``polarity`` reads them: "не рекомендую" counts
    for negative, the praise of a sarcastic review too."""
    read, sarcastic = _read(text)
    return [
        (a, b)
        for a, b, w in read
        if (sentiment == "positive" and w > 0 and not sarcastic)
        or (sentiment == "negative" and (w < 0 or (w > 0 and sarcastic)))
    ]


def _read(text: str) -> tuple[list[tuple[int, int, float]], bool]:
    """Each weighted word's (start, end, weight) after negation, intensifiers and contrast,
    and whether the review is sarcastic."""
    head = text[:2_000]
    lowered = head.lower()
    if len(lowered) != len(head):  # a letter whose lower case is longer ("İ"): keep places
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in head)
    lowered = lowered.translate(_FOLD_IN_PLACE)
    places: list[tuple[int, int]] = []
    weights: list[float] = []
    quoted = sarcasm = False
    negated_for = intensified_for = 0
    half_until_comma = False
    sentence_start = 0
    for m in _TOKEN.finditer(lowered):
        token = m.group()
        if token in _QUOTES:
            quoted = not quoted
            continue
        if token in _STOPS or token == ",":
            half_until_comma = False
            if token in _STOPS:
                sentence_start = len(weights)
                quoted = False
            negated_for = intensified_for = 0
            continue
        if token in _BUT:
            _halve(weights, sentence_start)
            sentence_start = len(weights)
            negated_for = 0
            continue
        if token in _ALTHOUGH:
            half_until_comma = True
            continue
        word = token.translate(_APOSTROPHES) if not token.isalnum() else token
        places.append(m.span())
        if word in _NEGATORS:
            negated_for = 3
            weights.append(0.0)
            continue
        if word in _INTENSIFIERS:
            intensified_for = 2
            weights.append(0.0)
            continue
        w = word_weight(word)
        if negated_for and w == 0.0 and word.startswith(_FAILURES):
            w, negated_for = -0.7, 0  # "не приїхав", "didn't call": a failure, not a negation
        elif negated_for and w != 0.0:
            w, negated_for = -w * (0.8 if w < 0 else 1.0), 0
        elif negated_for:
            negated_for -= 1
        if w > 0 and quoted:
            sarcasm = True  # «швидка» доставка
        if intensified_for:
            w *= 1.5 if w else 1.0
            intensified_for -= 1
        weights.append(w * (0.5 if half_until_comma else 1.0))
    sarcastic = sarcasm or bool(_SARCASM.search(lowered.translate(_APOSTROPHES)))
    read = [(a, b, w) for (a, b), w in zip(places, weights, strict=True) if w]
    return read, sarcastic


def _halve(weights: list[float], start: int) -> None:
    for i in range(start, len(weights)):
        weights[i] *= 0.5


def matrix(texts: list[str]) -> np.ndarray:
    """(n, 4) positive, negative, question and lukewarm of each text."""
    if not texts:
        return np.zeros((0, 4), dtype=np.float32)
    return np.array([polarity(t) for t in texts], dtype=np.float32)


WEIGHT = 1.5  # log-odds per unit of praise or complaint
QUESTION_WEIGHT = 1.0  # log-odds toward neutral for a question
LUKEWARM_WEIGHT = 1.0  # log-odds toward neutral per lukewarm word


def adjust(probabilities: np.ndarray, texts: list[str], weight: float = WEIGHT) -> np.ndarray:
    """Three-class sentiment probabilities (negative, neutral, positive) moved by the
    texts' review polarity: praise adds ``weight`` log-odds to positive per unit, complaint
    to negative, what both share (a mixed review) to neutral, a question to neutral."""
    if weight == 0 or not len(texts):
        return probabilities
    found = matrix(texts)
    positive, negative, question, lukewarm = found[:, 0], found[:, 1], found[:, 2], found[:, 3]
    mixed = np.minimum(positive, negative)
    logits = np.log(np.clip(probabilities, 1e-6, 1.0))
    logits[:, 0] += weight * negative
    logits[:, 2] += weight * positive
    logits[:, 1] += weight * mixed + QUESTION_WEIGHT * question + LUKEWARM_WEIGHT * lukewarm
    logits -= logits.max(axis=1, keepdims=True)
    out = np.exp(logits)
    return np.asarray(out / out.sum(axis=1, keepdims=True))
