"""Complaints told as facts: the failure states of products and services that make a
review negative whatever words of feeling it has (it broke, does not turn on, overheats,
leaks, arrived damaged, the wrong item, something missing, never arrived, no refund, had
to return it, charged twice, waited hours, told to come back), in Ukrainian, Russian and
English.

Two parts, both written against the letter folding of ``cxm.text.polarity`` (і/и, є/е,
ы/и ..., apostrophes dropped): word starts that join the polarity lexicon and so take its
negation ("не зламався за рік", "arrived undamaged" are no complaint), and phrases
searched in the folded text. A phrase does not count when one of the three words before
it in its clause is a negation ("не довелося повертати", "didn't have to wait"), and
counts half before "але"/"но"/"but" in its sentence or after "хоча"/"хотя"/"although" in
its clause, as words do. Written by the cxm authors.
"""

from __future__ import annotations

import re

# Word starts of failure states ("stem:weight", weight 1 when left out; "word$" the whole
# word only), complaint whatever comes around them; a negation turns them to praise.
WORDS = """
    поломк поломал полома полама здох сдох перегрив перегрев перегор протика протека протекл
    пидтика подтека вскрит помят:0.7 зимят:0.7 пидробк пидробл подделк поддельн подделан
    фейк контрафакт некомплект недовлож недоклал недоложил недовклал отвалил отвалива
    видвалил видвалю трисн треснул лопну облизл облезл облупил облупл облуплен вицвил
    вицвел полиня скрипит скрипить тарахт плесен плесн заплесн плисня цвил протух прокис
    мерехт мерца:0.7 flicker:0.7 подерт подран ободран обдерт unravel палени паленим палено
    течет$:0.7 тече$:0.7 протечк тарган таракан пригорел пригорил пригорае пригорает пидгорил
    сгорел сгора згорил згора згоря недовар недопеч
    розряджа:0.7 разряжа:0.7 висне$:0.7 виснет$:0.7 лагае:0.7 лагает:0.7 обрив:0.7
    зипсув зипсован ржав иржав деформ:0.7 непридатн непригодн неистивн несъедобн небезпечн
    опасн искрит искрить димит димить
    overheat leaks$ leaking leaked leaky leakage malfunction unresponsive unusable inedible
    undrinkable unwearable counterfeit fake knockoff shrank shrunk undercooked burnt:0.7
    smashed shattered crushed:0.7 squashed:0.7 cockroach maggot rust$:0.7 rusty rusted
    peeling:0.7 laggy lagging:0.7 disconnect:0.7 incomplete:0.7 stuck:0.5 dangerous hazard
    soggy:0.7
"""

# Plain verbs of a product or service that failed when negated ("не вмикається", "не
# дійшла", "won't boot", "no refund"), beside those of ``cxm.text.polarity``.
FAILED_VERBS = """
    вмика вмикн включа включи заряджа заряжа завантаж загруж
    тримае держит дийш дошл дошел оформи звязал звязав связал
    refund load boot power connect pair sync heat cool happen contact
"""

_NUMBER = (
    r"(?:\d+|дв\w*|три|тр[ие]\w*|чотир\w*|четир\w*|пят\w*|шист\w*|шест\w*|десят\w*|two|three|"
    r"four|five|six|several|many|a\s+few|a|an|over\s+a|almost\s+a|more\s+than\s+a|цил\w*|"
    r"цел\w*|whole|half\s+an?|пив|пол)"
)
# Waits that are long in any review: hours, whole days, weeks, months.
_LONG = (
    r"(?:годин(?:и|\b)|пивгодин\w*|полчаса|часа\b|часов|hours|an\s+hour|тижн\w*|тиждень|"
    r"недел\w*|мисяц\w*|месяц\w*|weeks?|months?|доби|добу|суток|сутки|цилий\s+день|"
    r"целый\s+день|all\s+day|whole\s+day)"
)
# One hour is long for a queue or a hotline, not for a delivery: waits only.
_HOUR = r"(?:годину|час\b)"
_WAIT = (
    r"(?:чекал\w*|чекаю|чекаем\w*|прочекал\w*|ждал\w*|жду|ждем|прождал\w*|простоял\w*|"
    r"простояв\w*|стоял\w*|стояв\w*|висил\w*|висел\w*|waited|waiting|wait|queued|stood)"
)
# A wait that says it was short ("чекала всього 10 хвилин", "waited only a day").
_SHORT = r"(?!лише|лиш\b|всього|усього|тильки|только|лишь|всего|only|just|less|менш|меньш)"

PHRASES: tuple[tuple[str, float], ...] = (
    # Waited a long time; an answer or call-back only after days.
    (rf"\b{_WAIT}\s+(?:{_SHORT}\w+\s+){{0,4}}?{_SHORT}(?:{_NUMBER}\s+)?(?:{_LONG}|{_HOUR})", 1.0),
    (
        r"\b(?:waiting|чекаю|чекаемо|чекаем|жду|ждем)\s+(?:\w+\s+)?(?:since|з|с)\s+(?:\d|january|"
        r"february|march|april|may|june|july|august|september|october|november|december|"
        r"last|сичн|лют|берез|квитн|травн|червн|липн|серпн|вересн|жовтн|листопад|грудн|январ|"
        r"феврал|март|апрел|мая|июн|июл|август|сентябр|октябр|ноябр|декабр|минул|прошл)",
        1.0,
    ),
    (rf"\b{_WAIT}\s+(?:{_SHORT}\w+\s+){{0,4}}?(?:[2-9]\d|\d{{3,}})\s*(?:хв|мин|min)", 1.0),
    (
        r"\b(?:видпов\w*|ответ\w*|replied|responded|answered|got\s+back|передзвон\w*|"
        r"перезвон\w*|подзвон\w*|позвон\w*|called\s+back|написал\w*|wrote)\s+(?:\w+\s+)?"
        rf"(?:через|after|спустя|спустя)\s+(?:{_NUMBER}\s+)?(?:дн\w*|дни|days|{_LONG})",
        1.0,
    ),
    (rf"\btook\s+(?:\w+\s+)?(?:{_NUMBER}\s+)?(?:weeks?|months?)", 1.0),
    (r"\bon\s+hold\s+for\b|\b(?:hours?|minutes)\s+on\s+hold\b", 1.0),
    (r"\b(?:висил\w*|висел\w*|провисел\w*|провисил\w*)\s+на\s+(?:лини\w*|телефон\w*)", 1.0),
    # Had to do it oneself, go back, return it.
    (
        r"\b(?:довелос[ья]|доводиться|прийшлос[ья]|пришлос[ья]|приходиться|приходится|"
        r"had\s+to|having\s+to)\s+(?:\w+\s+)?(?:чекати|ждать|дзвонити|звонить|"
        r"передзвонювати|перезванивать|повертати|повернути|вернуть|возвращать|издит\w*|ихати|"
        r"ездит\w*|ехать|йти|идти|пояснювати|объяснять|доплачувати|доплачивать|викинут\w*|"
        r"викидати|выбросит\w*|вибросит\w*|выкинут\w*|викинут\w*|ремонтувати|чинить|лагодит\w*|"
        r"шукати|искать|писати|писать|везти|нести|тягти|тащить|скаржит\w*|жаловат\w*|сдават\w*|сдат\w*|здават\w*|"
        r"скасов\w*|отмен\w*|wait|call|ring|return|send\s+(?:it|them)\s+back|go\s+back|"
        r"come\s+back|drive|explain|pay\s+(?:again|extra|twice)|throw|chase|fix\s+it|repair|"
        r"email|cancel|take\s+(?:it|them)\s+back|complain)",
        1.0,
    ),
    (
        r"\b(?:sent|send|sending)\s+(?:it|them)\s+back\b|\b(?:видправил\w*|видправив|"
        r"отправил\w*|повернул\w*|вернул\w*)\s+(?:його|ии|их|его|ее|еи)?\s*(?:назад|обратно)\b",
        0.5,
    ),
    # Something missing, the wrong thing, not as described.
    (
        r"\b(?:привезл|прислал|надислал|доставил|положил|поклал|sent|delivered|shipped|gave)\w*"
        r"\s+(?:\w+\s+){0,3}?(?:вместо|замист|instead\s+of)\b|\b(?:вместо|замист|instead\s+of)"
        r"\s+(?:\w+\s+){1,4}?(?:привезл|прислал|надислал|доставил|положил|поклал|sent|"
        r"delivered|got|received|отримал|получил)\w*",
        1.0,
    ),
    (
        r"\b(?:received|got|sent|delivered|привезл\w*|прислал\w*|надислал\w*|отримал\w*|получил\w*)"
        r"\s+(?:me\s+|мени\s+|мне\s+)?(?:a\s+|an\s+)?(?:different|инш\w*|друг\w*)\s+(?:product|item|"
        r"model|colou?r|size|товар|модел|колир|цвет|розмир|размер)",
        0.7,
    ),
    (
        r"\b(?:box|parcel|package|коробк\w*|посилк\w*|упаковк\w*)\s+(?:was\s+|were\s+|arrived\s+|"
        r"came\s+|прийшл\w*\s+|пришл\w*\s+|була\s+|была\s+|оказалась\s+|виявилас[ья]\s+)?"
        r"(?:completely\s+|totally\s+|зовсим\s+|совсем\s+|абсолютно\s+)?(?:empty|порожн\w*|"
        r"пуст\w*)|\bsomeone\s+elses\b|\bчуж(?:ий|ое|ои|ую|е|у|ого)\s+(?:замовлен|заказ|"
        r"посилк|товар|пакет)\w*",
        1.0,
    ),
    (
        r"\b(?:термин|срок)\w*\s+(?:придатности|годности)\s+(?:вже\s+|уже\s+)?(?:минув|минул|"
        r"закинчи\w*|истек|вийш\w*|вишел|прошел)|\bout\s+of\s+date\b|\bpast\s+(?:its|the)\s+"
        r"(?:use-?by|best\s+before|expiry|sell-?by)",
        1.0,
    ),
    (
        r"\b(?:heel|sole|handle|button|strap|zip|zipper|wheel|leg|door|knob|lid|screen|"
        r"buckle)s?\s+(?:came|fell|has\s+come|has\s+fallen|have\s+come|have\s+fallen)\s+off\b",
        1.0,
    ),
    (
        r"\b(?:не|ни)\s+(?:той|тот|ту|те|та|ти|тих|того)\s+(?:\w+\s+)?(?:розмир|размер|колир|"
        r"цвет|цвит|товар|модел|артикул|замовлен|заказ|посилк|адрес|смак|вкус|комплект|"
        r"бренд|обсяг|объем|цин|цен|сума|сумм|виробник|производител)\w*",
        1.0,
    ),
    (
        r"\bwrong\s+(?:\w+\s+)?(?:item|size|colou?r|order|product|model|address|parcel|"
        r"package|one|thing|part|version|amount|price|flavou?r)s?\b",
        0.5,
    ),
    (
        r"\b(?:not|не|ни)\s+(?:what|то|те|та|той|тот)\s*,?\s+(?:i|что|што|що|шо)\s+(?:\w+\s+)?"
        r"(?:order\w*|замовл\w*|заказ\w*|просил\w*|хотил\w*|хотел\w*|wanted|asked|paid)",
        1.0,
    ),
    (
        r"\b(?:не|ни)\s+(?:вистачало|вистачало|хватало|доклали|доложили|поклали|положили)\b|"
        r"\b(?:was|were|is|are|came|arrived)\s+missing\b|\bmissing\s+from\b",
        1.0,
    ),
    (
        r"\b(?:не|ни)\s+(?:було|было|оказалось|виявилос[ья])\s+(?:в|у)\s+(?:коробц|комплект|"
        r"посилц|посилк|замовлен|заказ|пакет|упаковц|упаковк)\w*|\b(?:в|у)\s+(?:коробц|"
        r"комплект|посилц|посилк|замовлен|заказ|пакет|упаковц|упаковк)\w*\s+(?:\w+\s+)?(?:не|ни)"
        r"\s+(?:було|было|оказалось|виявилос[ья])\b(?!\s+(?:жодн|нияк|никак|ни\s+одн|подряп|"
        r"царап|пошкодж|поврежд|дефект|брак|проблем))",
        1.0,
    ),
    (
        r"\b(?:батаре|акумулятор|аккумулятор|battery)\w*\s+(?:\w+\s+)?(?:сидае|садит|сил[аи]?\b|"
        r"сел[аи]?\b|drains|dies|died|lasts\s+(?:only|barely|less))",
        0.7,
    ),
    (
        r"\b(?:не|ни)\s+(?:грие|греет|гриють|греют|грив|грил[аои]?|грел[аои]?|морозит\w*|"
        r"охолоджу\w*|охлажда\w*)\b",
        0.7,
    ),
    (
        r"\b(?:не|ни)\s+(?:видповида\w*|соответству\w*)\s+(?:\w+\s+)?(?:опис|описан|фото|"
        r"картин|заявлен|размер|розмир)\w*|\bnot\s+as\s+(?:described|advertised|pictured|"
        r"shown)|\b(?:doesnt|does\s+not|didnt|did\s+not)\s+(?:match|look\s+like)|"
        r"\blooks?\s+nothing\s+like",
        1.0,
    ),
    (
        r"\bна\s+(?:фото|сайти|сайте|картинц\w*|картинк\w*|ценник\w*|цинник\w*|витрин\w*|"
        r"полиц\w*|полк\w*)\s+(?:\w+\s+)?(?:одн|один)\w*\s*,\s+(?:\w+\s+){0,4}?(?:инш|друг)\w*",
        1.0,
    ),
    (
        r"\bна\s+(?:каси|кассе|касси)\s+(?:\w+\s+){0,3}?(?:инш|друг|дорож|бильш|больш)\w*|"
        r"\bat\s+(?:the\s+)?(?:till|checkout|register)\s+(?:\w+\s+){0,3}?(?:higher|different|"
        r"more)\b",
        0.7,
    ),
    (
        r"\b(?:хтос[ья]|кто-?то|someone|somebody)\s+(?:вже\s+|уже\s+|already\s+)?"
        r"(?:користувал\w*|пользовал\w*|носил\w*|had\s+(?:used|worn)|used|wore)",
        1.0,
    ),
    (
        r"\b(?:arrived|came|delivered|turned\s+up)\s+(?:(?!and\b)\w+\s+)?(?:opened|crushed|"
        r"smashed|melted|empty|leaking|in\s+pieces|half\s+empty)\b|\b(?:arrived|came)\s+dead\b|"
        r"\bdead\s+on\s+arrival\b",
        1.0,
    ),
    # It stopped working, died, the same fault came back.
    (
        r"\b(?:stopped|quit|ceased)\s+(?:working|charging|responding|turning|holding|"
        r"connecting|cooling|heating)\b|\b(?:died|dead)\s+(?:after|within|in\s+(?:a|the|less|"
        r"under))\b",
        0.5,
    ),
    (
        r"\b(?:wont|doesnt|does\s+not|will\s+not|no\s+longer|stopped|isnt|is\s+not)\s+"
        r"(?:hold(?:ing)?\s+(?:a\s+|the\s+)?)?charg\w*\b(?!\s+(?:me|us|you|for|extra|anything|"
        r"a\s+fee|delivery|shipping))",
        1.0,
    ),
    (r"\b(?:вийш\w*|вишел|вишла|вишли|виход\w*)\s+(?:з|из)\s+(?:ладу|строя)", 1.0),
    (
        r"\b(?:тиею|тою|той|тот|тим|тем|ту|ти|те|та)\s+(?:ж|же|сам\w*)\s+(?:\w+\s+)?"
        r"(?:помилк|ошибк|проблем|поломк|несправн|неисправн|дефект|брак|симптом)\w*|"
        r"\bthe\s+(?:exact\s+|very\s+)?same\s+(?:\w+\s+)?(?:problem|issue|fault|error|defect|"
        r"symptom)s?\b",
        1.0,
    ),
    (
        r"\b(?:gets|getting|becomes|became|got)\s+(?:so|very|really|too|extremely|super|"
        r"dangerously|incredibly)\s+hot\b|\bruns\s+(?:very\s+|really\s+)?hot\b|\btoo\s+hot\s+to\s+(?:touch|hold)|"
        r"\b(?:сильно|дуже|очень|жутко|страшно|постийно|постоянно|занадто|слишком)\s+"
        r"(?:на)?(?:гри|гре)(?:еться|ется|ваеться|вается|лас[ья]|лся|вся)|"
        r"\b(?:на)?(?:гри|гре)(?:еться|ется|ваеться|вается|лас[ья]|лся|вся)\s+(?:так|настильки|"
        r"настолько|сильно|жутко|страшно|як\s+праск\w*|как\s+утюг)",
        1.0,
    ),
    (
        r"\b(?:бе|бьет|бьют|ударил\w*|вдарил\w*|вдарив)\s+(?:струм|ток)\w*|\belectric\s+shock",
        1.0,
    ),
    (r"\b(?:fell|falling)\s+(?:off|apart)\b|\b(?:came|coming)\s+apart\b", 0.7),
    (
        r"\b(?:gone|tasted|smelled|smelt)\s+off\b|\b(?:волосин\w*|волос\w*|hairs?)\s+"
        r"(?:в|у|in)\s+(?:\w+\s+)?(?:иж|еде|блюд|страв|салат|пиц|суп|борщ|food|salad|soup|"
        r"pizza|burger|meal|dish|order|coffee|кав|коф)\w*",
        1.0,
    ),
    # Never arrived, no refund, charged twice.
    (
        r"\b(?:так\s+и\s+не|так\s+й\s+не|never|still\s+(?:havent|hasnt|not))\s+(?:\w+\s+)?"
        r"(?:отрима|получи|receiv|got|get|дийш|дошл|дошел|arriv|came|turned\s+up|showed\s+up|"
        r"поверн|верну|refund)\w*\b(?!\s+(?:such|so|better|a\s+better|anything\s+like))",
        1.0,
    ),
    (
        r"\b(?:charged|billed|took|debited)\s+(?:me\s+|us\s+)?(?:twice|double|two\s+times)|"
        r"\bdouble[- ]?(?:charged|charge|billed|payment)|\b(?:подвийн|двойн|двийн)\w*\s+"
        r"(?:оплат|списан|платиж|платеж|зняття|снят)\w*|\b(?:списал\w*|зняли|зняв|сняли|снял\w*)"
        r"\s+(?:\w+\s+)?(?:двичи|дважди|два\s+рази|два\s+раза|дви\s+суми|две\s+сумм\w*)",
        1.0,
    ),
    # Sent away, passed around, hung up on.
    (
        r"\b(?:told|asked)\s+(?:me\s+|us\s+)?to\s+(?:wait|come\s+back|call\s+back|try\s+again|"
        r"ring\s+back|reinstall|restart|be\s+patient|contact\s+the)|\b(?:come|call|ring|check)"
        r"\s+back\s+(?:later|tomorrow|next|in\s+a|again)|\btry\s+again\s+later\b",
        0.7,
    ),
    (
        r"\b(?:прийти|зайти|приходити|приходить|придти|перезвонить|передзвонити|"
        r"перетелефонувати|звернутис[ья]|обратитьс[ья]|звонить|дзвонити)\s+(?:\w+\s+)?"
        r"(?:пизниш\w*|позже|позднее|завтра|ще\s+раз|еще\s+раз|знову|снова|в\s+инш\w*|"
        r"в\s+друг\w*|через\s+тиждень|через\s+неделю)",
        0.7,
    ),
    (
        r"\b(?:говор\w*|сказал\w*|кажут\w*|кажуть|отвечают|видповидают|пишут|пишуть|пообицял\w*|"
        r"пообещал\w*)\s+(?:\w+\s+)?(?:ждать|чекати|ожидать|очикувати|подождать|зачекати|"
        r"почекати)\b",
        0.7,
    ),
    (
        r"\b(?:с|з|from)\s+(?:одного\s+)?(?:оператор|менеджер|видди?л|отдел|agent|department|"
        r"person|кабинет)\w*\s+(?:на|в|к|до|to)\s+(?:другого\s+|иншого\s+|another\s+)?"
        r"(?:оператор|менеджер|видди?л|отдел|agent|department|person|кабинет)\w*|"
        r"\bfrom\s+one\s+(?:\w+\s+)?to\s+another\b|\b(?:вид|от|з|с)\s+одного\s+(?:\w+\s+)?"
        r"(?:до|к|в|на)\s+(?:иншого|другого)\b|\bфутбол(?:я|ят|ил|ит)\w*|\brunaround\b|\bfrom\s+pillar\s+to\s+post\b",
        1.0,
    ),
    (
        r"\b(?:кинул\w*|кинув|поклал\w*|поклав|бросил\w*|положил\w*)\s+(?:\w+\s+)?"
        r"(?:слухавк|трубк)\w*|\bhung\s+up\b|\b(?:не|ни)\s+(?:бер\w*|брал\w*|брав|взял\w*|взяв)"
        r"\s+(?:трубк|слухавк)\w*",
        1.0,
    ),
    (
        r"\b(?:залишив|залишил\w*|оставил\w*|кинул\w*|кинув|бросил\w*|left|dumped|threw|thrown)"
        r"\s+(?:\w+\s+){0,2}?(?:у|биля|пид|под|около|возле|outside|by|over|at)\s+(?:the\s+)?"
        r"(?:пидизд|подъезд|подьезд|двер|порог|ворит|ворот|забор|паркан|door|doorstep|gate|"
        r"fence|porch|street|улиц|вулиц)\w*",
        0.7,
    ),
    (
        r"\b(?:не|ни)\s+(?:можу|могу|могла|мог|миг|могли|змогл\w*|змиг|смогл\w*|смог|можем|"
        r"можемо)\s+(?:\w+\s+)?(?:увийти|войти|зайти|залогин\w*|оплатит\w*|оформит\w*|"
        r"дозвонит\w*|додзвонит\w*|получит\w*|отримат\w*|повернут\w*|вернут\w*|скасуват\w*|"
        r"отменит\w*|видкрит\w*|открит\w*|зарядит\w*|включит\w*|увимкнут\w*)|\b(?:cant|cannot|"
        r"can\s+not|couldnt|unable\s+to)\s+(?:\w+\s+)?(?:log\s+in|login|sign\s+in|check\s+out|"
        r"pay|place|complete|reach|get\s+through|open|access|return|cancel|charge|turn\s+it\s+on)",
        0.7,
    ),
    (
        r"\b(?:должн\w*\s+были?|должен\s+был|повинн\w*\s+були?|мали|мав|was\s+supposed\s+to|"
        r"were\s+supposed\s+to|should\s+have)\s+(?:\w+\s+)?(?:привез\w*|доставит\w*|достав\w*|"
        r"позвонит\w*|подзвонит\w*|зателефонуват\w*|прийт\w*|приехат\w*|приихат\w*|установит\w*|"
        r"встановит\w*|вернут\w*|повернут\w*|прислат\w*|надислат\w*|отправит\w*|видправит\w*|"
        r"arriv\w*|be\s+deliver\w*|been\s+deliver\w*|deliver\w*|call\w*|ship\w*|install\w*|"
        r"refund\w*)",
        0.7,
    ),
)

_NEGATION = re.compile(
    r"(?:^|\s)(?:не|ни|нет|без|not|no|never|without|dont|didnt|doesnt|wont|cant|isnt|wasnt|"
    r"arent|werent|wouldnt|couldnt|hasnt|havent|nothing|жодного|ниякого|никакого)"
    r"(?:\s+\w+){0,2}\s*$"
)
_CLAUSE_END = re.compile(r"[.!?;,:]")
_SENTENCE_END = re.compile(r"[.!?;]")
_BUT = re.compile(r"\b(?:але|проте|однак|зате|но|однако|зато|but|however|though|yet)\b")
_ALTHOUGH = re.compile(r"\b(?:хоча|хоч|хотя|хоть|although|despite)\b")
# Every phrase starts a word: trying them only where a word starts is ten times faster.
_ALL = re.compile(
    r"(?<!\w)(?=\w)(?:" + "|".join(f"(?P<f{k}>{p})" for k, (p, _) in enumerate(PHRASES)) + ")"
)
_WEIGHT = {f"f{k}": w for k, (_, w) in enumerate(PHRASES)}


def complaint(folded: str) -> float:
    """The complaint that the failure-state phrases of a folded, lower-cased text add."""
    total = 0.0
    for m in _ALL.finditer(folded):
        head = folded[max(0, m.start() - 60) : m.start()]
        clause = _CLAUSE_END.split(head)[-1]
        if _NEGATION.search(clause):
            continue  # "не довелося чекати", "didn't have to return it"
        w = _WEIGHT[m.lastgroup or ""]
        tail = _SENTENCE_END.split(folded[m.end() : m.end() + 200])[0]
        if _BUT.search(tail) or _ALTHOUGH.search(clause):
            w *= 0.5  # the review's conclusion follows the contrast
        total += w
    return total
