"""Trust in what customers write: the words and phrases that say it, and what undoes them.

Trust is the customer's reliance on the company, its staff or its products beyond one
event ("надійний магазин", "ни разу не подвели", "заказываю с закрытыми глазами", "I know
you'll sort it out"). No labelled set of it exists in any language here, so it is read by
these phrases alone, written by the cxm authors from their knowledge of Ukrainian, Russian
and English and corrected on ``tests/data/feedback_trust.csv`` (see docs/text-analytics.md).
Every pattern applies to text folded by ``cxm.text.lexicon.fold`` (lower case, і/и, є/е,
ё/е ..., apostrophes dropped); ``cxm.text.feedback_emotions`` matches them beside gratitude
and disappointment and asks ``undone`` about each match.
"""

from __future__ import annotations

import re

from cxm.text.lexicon import fold

# Word starts (after folding).
WORDS = """
    довіряю довіряє довіряєм довіряти довірят довіряв довіряла довіряли довіру довіра
    довіри довірі довірою довірився довірилась довірилися довиряю
    доверяю доверяем доверять доверял доверие доверия доверию доверием доверился доверилась
    надійн надежн перевірен проверенн чесн честн сумлінн добросовестн порядочн
    trust reliabl dependabl honest proven
"""
# Words that start like one above but say something else.
NOT = frozenset(
    fold(w)
    for w in [
        "честно", "чесно", "honestly", "trustpilot", "надійно", "надежно", "проверено",
        "перевірено",
    ]
)  # fmt: skip
# Phrases: never let down, one can rely on them, calm about an order, bought without
# checking, "I know you will", a name that is a guarantee, honest over the years.
PHRASES = (
    r"((ні|ни) разу|жодного разу|ниодного разу|ни одного раза|ніколи|никогда|ще|еще) "
    r"(\w+ ){0,2}не (підв|подв|обман|впарю|подсун|обсчит|обрах|обважу|обвес|спис|ошиб|помил|"
    r"посовет|порадил|продал|продали|обдур|кин|кинут)\w*|"
    r"не (підвел|підвод|підвів|підвед|подвел|подвод|подвед|обманут|обманете|обманюєте|"
    r"обманюют|обманывает|впарю|отфутбол|відфутбол|пудрит)\w*|"
    r"(never|not once|hasnt|havent|wont|never once|didnt) (\w+ )?let (me|us) down|"
    r"(ніколи|ни разу|никогда|жодного разу) не (було|было),? (щоб|чтоб|чтобы)|"
    r"(ни одного|ни одной|жодного|жодної|not a single|no) (\w+ ){0,3}(за|in) (\w+ )?(\d+ )?(года|"
    r"лет|"
    r"років|роки|годы|years)|(держусь|тримаюсь) за вас|keep coming back|(i|we) always come back|"
    r"(как|як) (часы|годинник)|like clockwork|rock solid|палочк\w+.выручалочк\w+|my go-?to|"
    r"на (совість|совесть)|never cut corners|вслепую|наосліп|sight unseen|buy (it )?blind|"
    r"(не|навіть не|даже не) (розглядал|рассматривал|шукал|искал)\w* (інш|друг)\w*|"
    r"(nowhere|anywhere) else|no question where|(i|we) (\w+ )?count on|earned (it|my|our)|"
    r"(все|всё|everything) (\w+ )?(прозоро|прозрачно|transparent)|жодних сюрпризів|"
    r"никаких сюрпризов|no (nasty )?surprises|(the )?real deal|real stuff|(are|is) legit|"
    r"(не|а не|not) (a |some )?(паль|подделк|підробк|підробок|фейк|knockoff|fake)\w*|"
    r"(сплю|спати|спать) спок\w+|sleep (easy|well|soundly)|"
    r"(беру|купую|покупаю|buy) (\w+ )?(що|что|what) (радите|советуете|порадите|you recommend)|"
    r"не помиляюсь|(синоним|синонім|synonym) (\w+ )?(качества|якості|quality)|"
    r"(можна|можно|можу|могу|можем|можемо|could|can) (\w+ ){0,2}(покласти\w*|положит\w*|"
    r"розраховуват\w*|рассчитыват\w*|rely|count on|вірити|верить|мати справу|иметь дело)|"
    r"(rely|relied|relying|count) on (you|them|this|the)|"
    r"peace of mind|(спокійн|спокойн)\w* за|(спокоен|спокойна|спокійна|спокійний),? (когда|коли)|"
    r"(можу|могу|можно|можна) спок\w+|спок\w+ (замовл|заказ|ввож|вводж|держ|трима|бер|куп|"
    r"покуп|плач|оплач)\w*|(с|з) вами спок\w+|без (страха|страху|остраху)|"
    r"не (хвилю|переживаю|переживать|волнуюсь|беспокоюсь)\w*|never worry|without worrying|"
    r"(feel|felt) safe|dont (have to )?worry|(з|с) закритими очима|с закрытыми глазами|"
    r"как за каменной стеной|як за камяною стіною|"
    r"(навіть|даже|even|можно|можна) (не|без|without) (перевір|провер|задум|check|think|read|"
    r"міря|пример|дивл|смотр|порівн|сравн|compar|try|trying)\w*|"
    r"не (раздумывая|роздумуючи|задумываясь|задумуючись|дивлячись|глядя|примеряя|міряючи|"
    r"проверяю|перевіряю|читаю|перевіряючи|проверяя)|(dont|do not|never) (even )?(check|compare|"
    r"read the reviews|look at)|without (even )?(trying|checking|thinking|reading|looking|"
    r"a second thought|double-?checking)|dont bother (comparing|checking)|"
    r"без (вагань|сомнений|сумнівів)|(не (сумнів|сомнева)|no doubt|never doubt|жодних сумнів)\w*|"
    r"(знаю|знаємо|знаем|знала|знал|знав|know|knew):|"
    r"(знаю|знаємо|знаем|знала|знал|знав|know|knew),?( (що|что|шо|that|якщо|если))?"
    r"([^\w]+\w+){0,3}?[^\w]+(тут|здесь|у вас|вы|ви|вони|они|they|you|your|im getting|ill get|"
    r"what im|меня|мене|"
    r"мені|мне|заказ|замовл|товар|все|всё|в вашей|у вашій|не|оригінал|оригинал|real|genuine|legit|"
    r"its|restock|розбер|разбер|исправ|виправ|помін|"
    r"помен|замін|замен|поверн|вернет|вернут|sort|fix|replac|will|ll)\w*\b|"
    r"(впевнен|уверен)\w*,? (що|что|шо) (\w+ ){0,2}(ви|вы|тут|здесь|вас|все|всё|не|оригінал|"
    r"оригинал|привез|привез)\w*|(з|с) (вами|вас) (\w+ ){0,2}(спок|уверен|впевнен|знаю|надійн|"
    r"надежн)\w*|"
    r"(котор|яко|якій|якому|which|where)\w* (я |i )?(уверен|впевнен|am sure|feel safe)\w*|"
    r"(уверен|впевнен)\w* на (сто|100)|"
    r"(im|am|always|was) (\w+ )?(confident|sure) (that )?(you|they)\b|"
    r"(впевнен|уверен|confident)\w* (у|в|in) (\w+ )?(якост|качеств|quality|вас|вашему|вашій|"
    r"you|оригінал|оригинал|услов|умов|том)\w*|(в|у) (вас|вашей|вашій|вашем|вашому) (\w+ )?(уверен|"
    r"впевнен)\w*|(впевненість|уверенность) (в|у) |"
    r"(вам|вас|вами|вашим|вашему|вашій|кому|которым|яким|котрим) ((?!не |ни )\w+ )?(я |мы |ми )?"
    r"(вірю|верю|вирю)|"
    r"(вірю|верю),? (вам|вашим|вашему|вашій|що це випадков|что это случайн)|believe in (you|your)|"
    r"(в|у) надійних руках|в надежных руках|in (good|safe) hands|"
    r"(гаранті[яюї]|гаранти[яюи]|знак) (якост|качеств)\w*|(basically |is )a guarantee|"
    r"warranty (actually )?means|(гаранті\w*|гаранти\w*|warranty) (у вас |тут |here )?"
    r"(реально|really|actually|действительно|дійсно) (работает|працює|works)|"
    r"(не|not) (тільки |только |just |only )?(на папері|на бумаге|on paper)|"
    r"(завжди|всегда|always) (\w+ )?(кажуть|говорят|говорит|каже|tell|tells) (\w+ )?(правду|"
    r"как есть|"
    r"як є|the truth)|без (вранья|брехні|обмана|обману)|(нарахов|начисл|працю|работа|обслугов|"
    r"обслужива|ведете|ведуть|ведут)\w* (\w+ )?(чесно|честно)|(четко|чітко) (и|і|та) (честно|"
    r"чесно)|"
    r"за (спокойствие|спокій)|(stuck|stick|stay|staying|stayed|остаюсь|залишаюсь) (\w+ )?(з вами|"
    r"с вами|with you)|(і|и) (далі|дальше) (з вами|с вами)|(як|как) (завжди|всегда) на (висоті|"
    r"высоте)|(держ|трима|стрима)\w* слов\w*|keeps? (your|their) (word|promise)|"
    r"(проверено|перевірено|перевірила|перевірив|проверила|проверил) (\w+ )?(годами|роками|"
    r"временем|часом|за роки|за годы|много раз|багато разів)|"
    r"(за|in|for) (\w+ )?(років|лет|года|роки|рік|годы|years) (\w+ )?(жодн|ни одн|ни разу|ні разу|"
    r"no |not one|never)\w*|(always|завжди|всегда) (\w+ )?(чесн|честн|honest|стабильн|"
    r"стабільн|consistent)\w*|(you|they) always (do|come through|make it right|sort it|fix it|"
    r"deliver)|come through"
)
# Read before a saying in its clause (three words): trust lost, doubted or betrayed.
_LOST = re.compile(
    fold(
        r"втрат|втрач|потер|подорв|підірв|підрив|зловжив|злоупотреб|lost|lose|losing|broke|"
        r"betray|зрад|предал|обман|сумнів|сомнев|сомнен|doubt|раніше|раньше|колись|когда-то|unsure"
    )
)
# Read anywhere before a saying in its sentence: the past, doubt, "how can one believe".
_BEFORE = re.compile(
    fold(
        r"\b(раніше|раньше|колись|когда-то|used to|не (впевнен|уверен)\w*|not sure|how can|"
        r"як (вам|вас|тут) (вірити|довіряти|вирити)|как (вам|вас|тут) (верить|доверять)|"
        r"(вже|уже) не (той|тот|та|те|то)|не (можу|могу) (сказати|сказать)|не скажу|cant say|"
        r"wouldnt say)\b|\b(був|була|було|були|был|была|было|были|was|were)\s+$"
    )
)
# A thing or a third party: a trust word about it is not trust in the company.
_THING = re.compile(
    fold(
        r"упаков|упакув|пакуван|packag|wrap|wi(fi)?\b|вайфа|інтернет|интернет|signal|замок|lock|"
        r"банк|bank|йому|ему|пошт|почт|mail|сдэк|сдек|dhl|ups|fedex|лікар|врач|doctor|свое|своє|"
        r"свої|свои|своему|своєму"
    )
)
_YOURS = re.compile(fold(r"ваш|your"))
_HONEST = re.compile(fold(r"чесн|честн|honest"))
_ONE_EVENT = re.compile(fold(r"цін|цен|pric|ответ|відповід|answer|консульт|consult|відгук|отзыв|"
                             r"review|оцін|оцен|опис|описан|descr"))  # fmt: skip
_SARCASM = re.compile(
    fold(
        r"\b(ну|ага|да уж|ой|oh great|oh|yeah right|great),? (\w+ ){0,2}(надійн|надежн|"
        r"перевірен|проверенн|reliable|trustworthy|trusted)|[\"«“„](надійн|надежн|reliable|"
        r"перевірен|проверенн|trusted|чесн|честн)|(тільки|только|only) (на папері|на бумаге|"
        r"on paper)|my foot|(третій|третий|третий|четвертий|четвертый|third|fourth|second|другий|"
        r"второй) (раз|time)|\b(again|опять|знову|вкотре) (\w+ )?(lost|втрат|загуб|потер|теря)"
    )
)
_CLAUSE = re.compile(r"[.!?;:,\n—–]+")
_SENTENCE = re.compile(r"[.!?\n]")
_WORD = re.compile(r"\w+")
SIGNATURE = (WORDS, PHRASES, sorted(NOT), _LOST.pattern, _BEFORE.pattern, _THING.pattern,
             _SARCASM.pattern)  # fmt: skip


def undone(folded: str, start: int, end: int, word: bool) -> bool:
    """Whether the trust said at ``folded[start:end]`` is not trust after all: lost, doubted,
    in the past, asked about, sarcastic, or (for a single ``word``) about a thing or a third
    party ("надійна упаковка", "довіряю тільки Новій пошті", "мій банк надійний")."""
    sentence_start = max((m.end() for m in _SENTENCE.finditer(folded, 0, start)), default=0)
    before = folded[sentence_start:start]
    clause = _WORD.findall(_CLAUSE.split(before)[-1])
    if any(_LOST.match(w) for w in clause[-3:]) or _BEFORE.search(before):
        return True
    after = _SENTENCE.search(folded, end)
    if after is not None and after.group() == "?":
        return True
    sentence = folded[sentence_start : after.start() if after else len(folded)]
    if _SARCASM.search(sentence):
        return True
    if word:  # "довіряю тільки Новій пошті" but "вашим лікарям довіряю"
        following = _WORD.findall(_CLAUSE.split(folded[end : end + 50])[0])[:3]
        near = clause[-3:] + following
        if _HONEST.match(folded, start) and following and _ONE_EVENT.match(following[0]):
            return True  # "чесна ціна", "an honest answer": one thing, not the company
        return any(_THING.match(w) for w in near) and not any(_YOURS.match(w) for w in near)
    return False
