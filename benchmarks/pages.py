"""Realistic pages for the per-page cost benchmark: English, German, Chinese, Russian, Arabic.

The 60 KB English page is `scale.news_page`, the page the HTML flow figure ingests a thousand
times; the short English and the German page wrap two seed articles in the same kind of chrome
(head metadata, navigation, related links, footer). The Chinese, Russian and Arabic sentences
were written for this benchmark (city news: budgets, weather, prices, sport), and each page
strings them into paragraphs in its own order, so no paragraph repeats another verbatim (a
verbatim repeat would be set aside as page dirt and change what the later stages see).
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
WHEN = datetime(2026, 10, 1, 8, 30, tzinfo=UTC)

RUSSIAN = """
Городской совет Новосибирска в четверг утвердил бюджет на следующий год, увеличив расходы на ремонт школ и больниц.
По словам мэра, большая часть дополнительных средств пойдёт на замену старых труб отопления в жилых кварталах.
Депутаты от оппозиции раскритиковали документ, заявив, что в нём слишком мало денег на общественный транспорт.
Синоптики предупреждают, что в выходные в регионе ожидаются сильные снегопады и порывистый ветер.
Жителей просят по возможности не выезжать на загородные трассы и следить за сообщениями экстренных служб.
Тем временем цены на продукты в местных магазинах за последний месяц выросли почти на три процента.
Экономисты связывают рост цен с подорожанием топлива и перебоями в поставках из соседних областей.
Губернатор пообещал, что власти выделят субсидии фермерам, чтобы сдержать стоимость молока и хлеба.
В университете открылась новая лаборатория, где студенты будут изучать искусственный интеллект и обработку данных.
Ректор отметил, что оборудование для лаборатории было куплено на средства федерального гранта.
Полиция задержала двух мужчин, подозреваемых в краже медного кабеля с железнодорожной станции.
Из-за кражи несколько пригородных поездов в понедельник утром опоздали более чем на час.
Местный футбольный клуб одержал уверенную победу над соперниками из Омска со счётом три ноль.
Болельщики, пришедшие на стадион несмотря на мороз, устроили команде долгую овацию.
В следующем месяце в городе пройдёт международный фестиваль документального кино.
"""

ARABIC = """
أعلنت وزارة الصحة يوم الخميس عن إطلاق حملة وطنية جديدة لتطعيم الأطفال في المدارس الحكومية.
وقال المتحدث باسم الوزارة إن الحملة ستستمر ثلاثة أسابيع وستشمل جميع المحافظات.
ودعا أولياء الأمور إلى التعاون مع الفرق الطبية وتقديم بطاقات التطعيم السابقة لأبنائهم.
وفي سياق آخر، ارتفعت أسعار الخضروات في الأسواق المحلية بنسبة ملحوظة خلال الأسبوع الماضي.
ويعزو التجار هذا الارتفاع إلى موجة الحر التي أثرت على المحاصيل الزراعية في المناطق الجنوبية.
من جهتها، أكدت وزارة الزراعة أنها ستقدم دعما ماليا للمزارعين المتضررين من الجفاف.
وافتتح رئيس الوزراء صباح اليوم مشروعا جديدا لتحلية مياه البحر على الساحل الشمالي.
ومن المتوقع أن يوفر المشروع مياه الشرب لأكثر من نصف مليون نسمة عند اكتماله.
وأشار المهندسون إلى أن المحطة تعمل بالطاقة الشمسية لتقليل التكاليف والانبعاثات.
وفي الرياضة، تأهل المنتخب الوطني لكرة القدم إلى الدور النهائي بعد فوزه بهدفين مقابل هدف.
واحتفل آلاف المشجعين في الشوارع حتى ساعات متأخرة من الليل.
كما أعلنت الجامعة عن منح دراسية جديدة للطلاب المتفوقين في مجالات العلوم والهندسة.
وتشهد العاصمة هذا الأسبوع معرضا دوليا للكتاب يشارك فيه أكثر من مئتي ناشر عربي وأجنبي.
وتوقعت الأرصاد الجوية استمرار ارتفاع درجات الحرارة حتى نهاية الأسبوع المقبل.
ونصحت المواطنين بتجنب التعرض المباشر لأشعة الشمس في ساعات الظهيرة.
"""

CHINESE = """
市政府周四宣布，将在未来三年内投资两百亿元用于改善城市公共交通系统。
根据计划，新建的地铁线路将连接机场、火车站和主要商业区。
交通部门负责人表示，新线路开通后，市民的平均通勤时间有望缩短二十分钟。
与此同时，本市上个月的居民消费价格指数同比上涨百分之二点一。
专家认为，物价上涨主要受到食品和能源价格波动的影响。
气象台发布预报称，本周末将有一次强降雨过程，部分地区可能出现雷暴天气。
有关部门提醒市民关注天气变化，尽量减少不必要的外出。
本市第一中学的学生在全国科技创新大赛中获得了三项一等奖。
获奖作品包括一款帮助老年人监测健康状况的智能手环。
在体育方面，本市篮球队以九十八比九十一战胜了来自上海的对手。
比赛结束后，数千名球迷在体育馆外庆祝球队的胜利。
市图书馆将于下个月举办为期一周的国际读书节活动。
届时将有多位知名作家与读者面对面交流创作经验。
环保部门表示，今年城市空气质量优良天数比去年增加了十五天。
下一步，本市将继续推进工业企业节能减排改造工作。
"""

CHROME = {  # language: (site, section names, footer lines, dir)
    "en": ("The Meridian Herald", ("World", "Politics", "Business", "Sport"), ("About us", "Contact"), "ltr"),
    "de": ("Der Abendkurier", ("Politik", "Wirtschaft", "Sport", "Kultur"), ("Impressum", "Kontakt"), "ltr"),
    "ru": ("Вечерние новости", ("Политика", "Экономика", "Спорт", "Культура"), ("О нас", "Контакты"), "ltr"),
    "ar": ("الأخبار اليومية", ("سياسة", "اقتصاد", "رياضة", "ثقافة"), ("من نحن", "اتصل بنا"), "rtl"),
    "zh": ("城市日报", ("时政", "财经", "体育", "文化"), ("关于我们", "联系我们"), "ltr"),
}


@dataclass(frozen=True)
class Page:
    name: str
    language: str
    url: str
    html: str

    @property
    def content(self) -> bytes:
        return self.html.encode("utf-8")


def chrome_page(language: str, url: str, title: str, paragraphs: list[str]) -> str:
    """A news page around `paragraphs`: head metadata, navigation, related links, footer."""
    site, sections, footer, direction = CHROME[language]
    esc = html.escape
    nav = "".join(f'<li><a href="/s{i}/">{esc(s)}</a></li>' for i, s in enumerate(sections))
    body = "\n".join(f"<p>{esc(p)}</p>" for p in paragraphs)
    foot = "".join(f'<li><a href="/f{i}">{esc(x)}</a></li>' for i, x in enumerate(footer))
    return f"""<!DOCTYPE html>
<html lang="{language}" dir="{direction}"><head><meta charset="utf-8">
<title>{esc(title)} | {esc(site)}</title>
<meta name="description" content="{esc(paragraphs[0][:140])}">
<meta property="og:type" content="article"><meta property="og:title" content="{esc(title)}">
<meta property="article:published_time" content="{WHEN.isoformat()}">
<link rel="canonical" href="{url}"></head><body>
<header><a class="logo" href="/">{esc(site)}</a><nav><ul>{nav}</ul></nav></header>
<main><article><h1>{esc(title)}</h1>
<time datetime="{WHEN.isoformat()}">{WHEN:%Y-%m-%d %H:%M}</time>
<div class="story-body">
{body}
</div></article>
<aside class="related"><ul>{nav}</ul></aside></main>
<footer><ul>{foot}</ul><p>&copy; {WHEN:%Y} {esc(site)}</p></footer>
</body></html>
"""


def _drawn(sentences: str, language: str, target_chars: int) -> list[str]:
    """Paragraphs of 2-4 of `sentences` in a seeded order, about `target_chars` in all."""
    pool = [s.strip() for s in sentences.strip().splitlines() if s.strip()]
    rng = random.Random(language)
    joiner = "" if language == "zh" else " "
    paragraphs: list[str] = []
    seen: set[str] = set()
    while sum(map(len, paragraphs)) < target_chars:
        paragraph = joiner.join(rng.sample(pool, rng.randint(2, 4)))
        if paragraph not in seen:
            seen.add(paragraph)
            paragraphs.append(paragraph)
    return paragraphs


def _seed(name: str) -> list[str]:
    """A seed article's paragraphs (its lines)."""
    path = next(SEEDS.glob(f"{name}_*.txt"))
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def pages() -> list[Page]:
    """The benchmark's pages, deterministic: the 60 KB English page first."""
    from scale import news_page

    url, big = news_page(0, WHEN)
    out = [Page("en 60 KB", "en", url, big)]
    short = _seed("001")
    out.append(Page("en short", "en", "https://news.example.org/world/short.html",
                    chrome_page("en", "https://news.example.org/world/short.html", short[0], short[1:])))
    german = _seed("002")
    out.append(Page("de", "de", "https://abendkurier.example.de/politik/thaad.html",
                    chrome_page("de", "https://abendkurier.example.de/politik/thaad.html", german[0][:80], german)))
    for language, sentences, chars in (("zh", CHINESE, 2500), ("ru", RUSSIAN, 5000), ("ar", ARABIC, 4500)):
        paragraphs = _drawn(sentences, language, chars)
        url = f"https://news.example.{language}/city/{language}-1.html"
        title = paragraphs[0].split("，")[0].split(",")[0][:60]
        out.append(Page(language, language, url, chrome_page(language, url, title, paragraphs)))
    return out
