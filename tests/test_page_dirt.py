"""Page dirt found by what it is, in any language and script (issue 19).

Every fixture here is written for these tests (no stored page is copied): a news page as a
scraper saves it, in ten languages and seven scripts, with a menu of short lines, a byline, a
cut-off teaser of the lead, a photo credit and the article's paragraphs. The dirt goes aside with
its kind, in every language; the body stays, every paragraph of it, in every script.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from babelfeed.normalize import clean, paragraphs
from babelfeed.normalize.boilerplate import Kind, classify


@dataclass(frozen=True)
class Page:
    language: str
    menu: tuple[str, ...]
    headline: str
    byline: str
    credit: str
    body: tuple[str, ...]  # the article's paragraphs; the first is cut off as the teaser

    @property
    def teaser(self) -> str:
        lead = self.body[0]
        cut = lead[: len(lead) * 2 // 3]
        return cut[: cut.rfind(" ")] + "..." if " " in cut else cut + "……"

    def text(self) -> str:
        return "\n".join([*self.menu, self.headline, self.byline, self.teaser, self.body[0], self.credit,
                          *self.body[1:]])

    def expected(self) -> dict[str, str]:
        """What goes aside, as the normalizer writes it (ftfy makes full-width colons plain)."""
        lines = {**{m: "menu" for m in self.menu}, self.byline: "byline", self.teaser: "teaser",
                 self.credit: "credit"}
        return {paragraphs(line)[0]: kind for line, kind in lines.items()}


PAGES = [
    Page("en", ("Home", "World", "Politics", "Sport"),
         "City council approves new budget for public transport",
         "By Jane Harlow",
         "Photo: Tom Reid/Reuters",
         ("The city council approved on Tuesday a budget that doubles the money spent on buses and trams "
          "over the next four years, after a debate that lasted well into the night.",
          "Supporters of the plan said the new lines would reach neighbourhoods that have waited decades "
          "for a reliable connection to the centre.",
          "Opponents warned that the council had not said how it would pay for the running costs once the "
          "first grants from the national government run out.")),
    Page("de", ("Startseite", "Politik", "Wirtschaft", "Kultur"),
         "Stadtrat beschließt neuen Haushalt für Busse und Bahnen",
         "Von Anna Schmidt",
         "Foto: Bernd Keller/dpa",
         ("Der Stadtrat hat am Dienstag einen Haushalt beschlossen, der die Ausgaben für Busse und Bahnen in "
          "den kommenden vier Jahren verdoppelt, nach einer Debatte bis tief in die Nacht.",
          "Befürworter des Plans sagten, die neuen Linien erreichten Viertel, die seit Jahrzehnten auf eine "
          "verlässliche Verbindung in die Innenstadt warten.",
          "Gegner warnten, der Rat habe nicht gesagt, wie er die laufenden Kosten bezahlen wolle, sobald die "
          "ersten Zuschüsse des Bundes auslaufen.")),
    Page("es", ("Inicio", "Mundo", "Política", "Deportes"),
         "El ayuntamiento aprueba un nuevo presupuesto para el transporte público",
         "Por María García",
         "Foto: Luis Ortega/EFE",
         ("El ayuntamiento aprobó el martes un presupuesto que duplica el dinero destinado a autobuses y "
          "tranvías en los próximos cuatro años, tras un debate que se prolongó hasta la noche.",
          "Los partidarios del plan dijeron que las nuevas líneas llegarán a barrios que llevan décadas "
          "esperando una conexión fiable con el centro.",
          "Los opositores advirtieron que el ayuntamiento no ha explicado cómo pagará los gastos de "
          "funcionamiento cuando se acaben las primeras ayudas del Gobierno.")),
    Page("fr", ("Accueil", "Monde", "Politique", "Sport"),
         "Le conseil municipal adopte un nouveau budget pour les transports publics",
         "Par Jean Dupont",
         "Photo : Claire Martin/AFP",
         ("Le conseil municipal a adopté mardi un budget qui double les sommes consacrées aux bus et aux "
          "tramways au cours des quatre prochaines années, après un débat qui a duré tard dans la nuit.",
          "Les partisans du projet ont affirmé que les nouvelles lignes desserviront des quartiers qui "
          "attendent depuis des décennies une liaison fiable avec le centre.",
          "Les opposants ont averti que le conseil n'avait pas dit comment il paierait les frais de "
          "fonctionnement une fois les premières subventions de l'État épuisées.")),
    Page("ru", ("Главная", "Политика", "Экономика", "Спорт"),
         "Городской совет утвердил новый бюджет на общественный транспорт",
         "Текст: Иван Петров",
         "Фото: Сергей Волков/ТАСС",
         ("Городской совет во вторник утвердил бюджет, который вдвое увеличивает расходы на автобусы и "
          "трамваи в ближайшие четыре года, после дебатов, затянувшихся до поздней ночи.",
          "Сторонники плана заявили, что новые линии дойдут до районов, которые десятилетиями ждут "
          "надёжного сообщения с центром города.",
          "Противники предупредили, что совет не объяснил, как будет оплачивать текущие расходы, когда "
          "закончатся первые субсидии федерального правительства.")),
    Page("ar", ("الرئيسية", "سياسة", "اقتصاد", "رياضة"),
         "مجلس المدينة يقر ميزانية جديدة للنقل العام",
         "كتب - أحمد علي",
         "المصدر: رويترز",
         ("أقر مجلس المدينة يوم الثلاثاء ميزانية تضاعف الأموال المخصصة للحافلات والترام خلال السنوات "
          "الأربع المقبلة، بعد نقاش استمر حتى ساعة متأخرة من الليل.",
          "وقال مؤيدو الخطة إن الخطوط الجديدة ستصل إلى أحياء تنتظر منذ عقود اتصالا موثوقا بوسط المدينة.",
          "وحذر المعارضون من أن المجلس لم يوضح كيف سيدفع تكاليف التشغيل بعد انتهاء المنح الأولى من "
          "الحكومة الوطنية.")),
    Page("hi", ("होम", "देश", "राजनीति", "खेल"),
         "नगर परिषद ने सार्वजनिक परिवहन के लिए नया बजट मंजूर किया",
         "लेखक: राहुल शर्मा",
         "फोटो: पीटीआई",
         ("नगर परिषद ने मंगलवार को एक बजट मंजूर किया जो अगले चार वर्षों में बसों और ट्रामों पर खर्च को दोगुना "
          "करता है, यह फैसला देर रात तक चली बहस के बाद हुआ।",
          "योजना के समर्थकों ने कहा कि नई लाइनें उन मोहल्लों तक पहुंचेंगी जो दशकों से शहर के केंद्र से भरोसेमंद "
          "संपर्क का इंतजार कर रहे हैं।",
          "विरोधियों ने चेतावनी दी कि परिषद ने यह नहीं बताया कि केंद्र सरकार के पहले अनुदान खत्म होने के बाद वह "
          "संचालन का खर्च कैसे उठाएगी।")),
    Page("zh", ("首页", "国际", "财经", "体育"),
         "市议会通过公共交通新预算",
         "作者：王小明",
         "图片来源：新华社",
         ("市议会周二通过一项预算，未来四年用于公交车和有轨电车的资金将翻一番，此前相关辩论一直持续到深夜。",
          "该计划的支持者表示，新线路将覆盖几十年来一直等待与市中心可靠连接的社区。",
          "反对者警告说，议会没有说明在中央政府的首批补贴用完之后将如何支付运营费用。")),
    Page("ja", ("ホーム", "国際", "経済", "スポーツ"),
         "市議会、公共交通の新予算を可決",
         "記者：山田太郎",
         "写真：共同通信",
         ("市議会は火曜日、今後四年間でバスと路面電車への支出を倍増させる予算を可決した。議論は深夜まで続いた。",
          "計画の支持者は、新しい路線が何十年も中心部への確かな交通手段を待っていた地域に届くと述べた。",
          "反対派は、国からの最初の補助金が尽きた後に運営費をどう賄うのか、市議会は説明していないと警告した。")),
    Page("ko", ("홈", "정치", "경제", "스포츠"),
         "시의회, 대중교통 새 예산안 통과",
         "작성자: 김민수",
         "사진: 연합뉴스",
         ("시의회는 화요일 앞으로 4년 동안 버스와 트램에 쓰는 예산을 두 배로 늘리는 예산안을 통과시켰다. 토론은 밤늦게까지 이어졌다.",
          "계획을 지지하는 이들은 새 노선이 수십 년 동안 도심과의 안정적인 연결을 기다려 온 동네에 닿을 것이라고 말했다.",
          "반대하는 이들은 정부의 첫 보조금이 끝난 뒤 운영비를 어떻게 낼지 시의회가 밝히지 않았다고 경고했다.")),
]


@pytest.mark.parametrize("page", PAGES, ids=[p.language for p in PAGES])
def test_menu_byline_teaser_and_credit_go_aside_and_the_body_stays(page):
    body, aside = clean(page.text())
    assert {b.text: b.kind for b in aside} == page.expected()
    assert body.split("\n\n") == paragraphs("\n".join([page.headline, *page.body]))


@pytest.mark.parametrize("page", PAGES, ids=[p.language for p in PAGES])
def test_a_paragraph_of_running_text_stays_whatever_its_script(page):
    """Alone, between other paragraphs, or twice as long: running text is never dirt."""
    for text in (page.body[1], "\n".join(page.body), "\n".join([page.body[2], page.body[1] + " " + page.body[2]])):
        assert clean(text)[1] == ()


def test_fixtures_cover_the_scripts_the_issue_names():
    assert {p.language for p in PAGES} >= {"zh", "ja", "ar", "hi", "ru"} and len(PAGES) >= 8


def test_a_plan_keeps_its_repeated_lines():
    """A line the page repeats as its structure (a plan's rest days, a recipe's recurring step,
    an interview's speaker tag) is body; a copy of the lead or headline is not."""
    plan = "\n".join([
        "A four-week plan to run your first ten kilometres",
        "The plan builds up slowly, so that your legs and lungs have time to adapt to the new effort.",
        "Week one",
        "Run for twenty minutes at an easy pace, then walk for five minutes to cool down properly.",
        "Rest day",
        "Run for twenty-five minutes, keeping a pace at which you could still hold a conversation.",
        "Rest day",
        "Week two",
        "Run for thirty minutes, and add four short sprints of twenty seconds near the end of the run.",
        "Rest day",
        "Stir the sauce and season it with salt and pepper before you serve the pasta on warm plates.",
        "Rest day",
    ])
    body, aside = clean(plan)
    assert aside == () and body.split("\n\n") == paragraphs(plan)

    recipe = "\n".join([
        "Tomato soup for four",
        "Chop two onions and soften them in olive oil over a low heat for ten minutes, stirring often.",
        "Season to taste with salt and pepper.",
        "Add a kilogram of ripe tomatoes, cut in quarters, and let them simmer for twenty minutes.",
        "Season to taste with salt and pepper.",
        "Blend the soup until it is smooth, then pour in a little cream and warm it through again.",
        "Season to taste with salt and pepper.",
    ])
    assert clean(recipe)[1] == ()


def test_a_copied_lead_goes_aside_but_its_first_copy_stays():
    text = "\n".join([
        "Storm closes schools across the region",
        "Heavy snow closed schools across the region on Monday, and the railway cancelled most trains.",
        "Storm closes schools across the region",
        "Officials said the roads would be cleared by Tuesday morning, but warned of more snow later.",
    ])
    kinds = classify(paragraphs(text))
    assert kinds == [None, None, Kind.REPEATED, None]


@pytest.mark.parametrize("line, kind", [
    ("3 марта 2026, 15:29 • Новости дня", "dateline"),
    ("Publié le jeudi 18 mai 2017 à 00h30min", "dateline"),
    ("31 min geleden", "dateline"),
    ("• 2년 전", "dateline"),
    ("发布时间：2023年03月05日 11:05", "dateline"),
    ("© 2026 Example Media. All rights reserved.", "footer"),
    ("Все права защищены", "footer"),
    ("Реклама", "ad"),
    ("إعلان", "ad"),
    ("Поделиться", "share"),
    ("0 Comentarios", "share"),
    ("Read more »", "related_links"),
    ("Читайте также", "related_links"),
    ("関連記事", "related_links"),
    ("Quelle: AFP", "credit"),
    ("منبع: ایسنا", "credit"),
    ("Autor: PAP", "byline"),
    ("(Matan Levi)", "byline"),
    ("Home > World > Europe", "menu"),
    ("1 / 12", "widget"),
    ("Door ANP - 24-1-2017, 15:13", "byline"),  # a byline with its date: digits do not hide it
    ("2026-03-04 02:33:11 来源：参考消息网 责任编辑：刘天霖", "byline"),  # Chinese, whatever its digits
    ("無断転載・複製を禁じます", "footer"),
    ("Copy link", "share"),
    ("[김태성 기자]", "byline"),  # a name and the role in brackets (a byline; "[기자]" alone is a speaker tag)
    ("□记者 刘晓东 报道", "byline"),
    ("首页|新闻中心|视频|专题|图片", "menu"),
    ("Senast uppdaterad: 3 oktober 2021 00:00", "dateline"),
    ("Мария Иванова, 6 октября 2021, 12:11", "dateline"),  # a name beside a full date and time
    ("by Jane Doe", "byline"),
    ("Baca juga: Pemerintah kota membuka pendaftaran sekolah gratis", "related_links"),
    ("Читайте також: Мерія оголосила конкурс на ремонт мосту", "related_links"),
    ("スポンサーリンク", "ad"),
    ("Используя этот сайт, вы соглашаетесь с тем, что мы используем файлы cookie для его работы и "
     "аналитики; подробности в нашей политике конфиденциальности.", "subscribe"),
    ("Questo sito utilizza cookie tecnici e di profilazione, anche di terze parti: chiudendo questo "
     "banner o proseguendo la navigazione acconsenti al loro uso.", "subscribe"),
])
def test_a_line_of_page_chrome_is_named_by_its_form(line, kind):
    text = "\n".join([
        "The committee published its report on Wednesday after two years of hearings and consultations.",
        line,
        "Its authors recommend that the law be changed before the end of the parliamentary term.",
    ])
    assert {b.text: b.kind for b in clean(text)[1]} == {paragraphs(line)[0]: kind}


@pytest.mark.parametrize("line", [
    "Photo of the day",  # a marker word that is not a label
    "The search continues",
    "Share prices fall again",
    "Global Reactions",
    "Tisková konference po jednání vlády, 12. dubna 2021",  # a headline with a date in it
    "Q. 午前1時ごろ、人通りは?",
    "[기자]",  # a speaker tag, not a byline
    "기자 회견 열려",  # "press conference held": a marker word, no label
    "ホームランで勝利",  # "won with a home run": "ホーム" (home) is inside a word
    "市場シェアが拡大",  # "market share grows": so is "シェア" (share)
    "(I know, radical statement, right?)",  # a remark in brackets, not a name
    "VIDEO + PHOTOS: Police Arrest Suspect After Mall Shooting In Washington State",  # a headline, not a credit
    "让中外记者亲眼所见",  # "记者" (reporter) inside a sentence, not a byline
    "Date de convocation : 9 septembre 2020",  # a notice's line, not a dateline
    "3月2日晚，市交警支队发布道路封闭通告：",  # a headline with a date, not a dateline
])
def test_a_subheading_with_a_trigger_word_stays(line):
    text = "\n".join([
        "The committee published its report on Wednesday after two years of hearings and consultations.",
        line,
        "Its authors recommend that the law be changed before the end of the parliamentary term.",
    ])
    assert clean(text)[1] == ()


def test_html_text_loses_only_what_a_form_names():
    """trafilatura's extract: its short lines (headings, list items, table rows: trafilatura writes
    a table's rows between pipes) stay, a run of them too; credits and share prompts still go."""
    text = "\n".join([
        "The league table after the tenth round shows a close race at the top of the division.",
        "Standings",
        "| Team | Points |",
        "| Alpha FC | 24 |",
        "| Bravo United | 22 |",
        "| Charlie Town | 21 |",
        "Photo: Ana Ruiz/AP",
        "What comes next",
        "The next round is played on Saturday, with the two leaders meeting in the capital.",
        "Share this article",
    ])
    kinds = {b.text: b.kind for b in clean(text, html=True)[1]}
    assert kinds == {"Photo: Ana Ruiz/AP": "credit", "Share this article": "share"}
    # In plain text the same run of short lines is a list, unless its lines are a table's rows.
    assert clean(text)[1] == clean(text, html=True)[1]
    untabled = text.replace(" | ", " ").replace("| ", "").replace(" |", "")
    plain = {b.text: b.kind for b in clean(untabled)[1]}
    assert {"Standings", "Team Points", "Alpha FC 24", "Bravo United 22", "Charlie Town 21"} <= set(plain)


def test_a_story_paragraph_keeps_its_credit_but_a_caption_goes():
    """A credit ending a paragraph of a story's length and two sentences or more is the story's
    ("...。本报记者 X 摄" in a Chinese paper): the paragraph stays. After a sentence or two of a
    caption's length it is a caption's credit."""
    story = ("昨天上午，记者在城东公交枢纽看到，站台的遮雨棚有两块玻璃已经碎裂，地面上还留着不少碎片。"
             "据附近商户介绍，遮雨棚损坏已经有一个多星期，雨天时候车的乘客只能站在路边等车，老人和孩子"
             "尤其不方便，大家希望有关部门早日修好。本报记者 王小明 摄")
    caption = "乘客在损坏的遮雨棚下候车。 本报记者 王小明 摄"
    english = "Rescuers search the rubble of the school on Tuesday. Two children were found alive. Photo: Ana Ruiz/AP"
    initials = "Lực lượng cứu hộ tìm kiếm tại hiện trường vụ sạt lở. Ảnh: T.K"
    long_english = ("The rescue went on through the night, as cranes lifted the concrete slabs one by one and "
                    "volunteers passed water and blankets along the line. By the morning, the two children had "
                    "been taken to the regional hospital, where doctors said both were stable. Photo: Ana Ruiz/AP")
    text = "\n".join([
        "公交公司表示，将在本周内对全市站台设施进行一次全面检查，并公布维修进度。",
        story, caption, english, long_english, initials,
        "公交公司还表示，市民发现站台设施损坏可以拨打热线电话反映，相关部门会在二十四小时内处理。",
    ])
    assert {b.text: b.kind for b in clean(text)[1]} == {paragraphs(caption)[0]: "caption", english: "caption", initials: "caption"}


def test_a_title_block_without_spaces_is_not_a_menu_but_a_menu_of_short_items_is():
    """Above the first sentence of a Japanese or Chinese page, lines of title length (a series
    name, a title, a place line) are the article's title block; a run of lines of a word or two
    each is a menu. Without case or spaces, length is what tells them apart."""
    body = ["本日は2点お知らせがあります。",
            "まず、来月から市内の全ての小学校で給食費を無償にすることを決めました。対象となる児童はおよそ八千人です。",
            "次に、駅前の再開発計画について、住民説明会を今月末に三回開くことにしました。日程は市のホームページでお知らせします。"]
    title_block = ["定例記者会見 令和6年度第12回", "市長定例記者会見の発言要旨", "会場：市役所本庁舎3階会議室"]
    assert clean("\n".join(title_block + body))[1] == ()
    menu = ["ホーム", "政治", "経済", "国際", "スポーツ"]
    assert {b.text: b.kind for b in clean("\n".join(menu + body))[1]} == dict.fromkeys(menu, "menu")


def test_a_french_quotation_closed_after_a_space_ends_a_sentence():
    """French sets a space before its closing guillemet: "... pas. »" ends a sentence, so such a
    paragraph is running text in any position, not a short line of a link list."""
    quote = "Le ministre a déclaré : « Aucune école ne fermera cette année. »"
    text = "\n".join([
        "Le conseil régional a présenté mercredi son budget pour l'année prochaine, en hausse de trois pour cent.",
        "Les syndicats ont salué une décision qu'ils réclamaient depuis longtemps.",
        quote, quote.replace("école", "classe"), quote.replace("cette année", "l’an prochain"),
    ])
    assert clean(text)[1] == ()


def test_other_articles_below_their_heading_go_aside_to_the_end_of_the_page():
    """After the article, a heading of other news ("Outras notícias") and the headlines and
    teasers under it, full sentences too, go aside; a box of links in the middle of the article
    ends where the article's own text goes on."""
    article = [
        "A prefeitura anunciou nesta sexta-feira o asfaltamento da estrada que liga a comunidade rural ao centro da cidade.",
        "As obras devem começar em janeiro e custar cerca de dois milhões de reais, segundo a secretaria de obras.",
        "Os moradores reivindicavam a pavimentação da estrada havia mais de vinte anos, segundo a associação do bairro.",
    ]
    others = [
        "Outras notícias",
        "Campanha de vacinação contra a gripe começa na segunda-feira em todas as unidades de saúde.",
        "Time local vence o clássico e garante vaga na final do campeonato municipal de futebol.",
        "Ver notícia",
    ]
    kinds = {b.text: b.kind for b in clean("\n".join(article + others))[1]}
    assert kinds == dict.fromkeys(others, "related_links")
    resumed = [
        "A nova estrada terá duas faixas, acostamento e iluminação em todo o trecho até a comunidade rural.",
        "O asfaltamento da estrada da comunidade rural será feito pela mesma empresa que pavimentou o centro.",
    ]
    box = ["Leia também", "Prefeitura abre inscrições para cursos gratuitos"]
    kinds = {b.text: b.kind for b in clean("\n".join(article + box + resumed))[1]}
    assert kinds == dict.fromkeys(box, "related_links")


def test_a_paragraph_wrapped_at_a_fixed_width_stays():
    """Text saved with hard line breaks: a paragraph's lines are short, but of one length and
    closed by a sentence; a Japanese sentence broken after its particles. Neither is a list."""
    korean = [
        "시의회가 내년 예산안 3천억원 규모를 의결하고",
        "올해 정례회를 마쳤습니다. 시의회는 지난 12일",
        "본회의에서 시청 예산 2천억원과 교육청 예산",
        "1천억원을 의결했다고 오늘 밝혔습니다.",
    ]
    japanese = ["台風は", "北海道の", "東の海上を", "北へ", "進んでいて、", "あすには温帯低気圧に変わる見込みです。"]
    lead = ["시의회는 이번 회기에서 모두 마흔두 건의 조례안을 처리했고, 남은 안건은 다음 회기로 넘겼습니다."]
    assert clean("\n".join(lead + korean))[1] == ()
    indonesian = [  # a paragraph's first line broken early, the rest at the width
        "JAKARTA – Menteri",
        "Pendidikan meresmikan gedung sekolah baru di kecamatan itu pada Senin siang dan",
        "meminta para guru menjadikan sekolah tempat yang menyenangkan bagi para siswa",
        "di seluruh kabupaten yang sempat dilanda gempa dua tahun lalu. Ia juga berharap",
        "semua pihak tidak hanya terpaku pada bangunan fisik sebagai penunjang pendidikan",
        "di daerah itu.",
    ]
    assert clean("\n".join(lead + indonesian))[1] == ()
    assert clean("\n".join(["気象庁によりますと、台風の影響で各地で強い風が吹いています。", *japanese]))[1] == ()

def test_html_read_more_line_goes_aside_but_the_writers_related_sentence_stays():
    """In HTML a "read more" label with the headline it links to is a link box, in any language;
    a sentence that starts with the same word is the writer's and stays."""
    text = "\n".join([
        "The council approved the budget on Tuesday after a debate that lasted most of the night.",
        "READ MORE: Two new cases confirmed in the capital as hospitals prepare",
        "Читайте также: Власти города утвердили новый бюджет",
        "Related: the vote was the closest the council has seen in a decade, members said.",
        "The mayor said the money would go to schools and to repairing the city's bridges.",
    ])
    kinds = {b.text: b.kind for b in clean(text, html=True)[1]}
    assert kinds == {"READ MORE: Two new cases confirmed in the capital as hospitals prepare": "related_links",
                     "Читайте также: Власти города утвердили новый бюджет": "related_links"}


def test_html_caption_with_its_credit_stays_but_a_lone_credit_goes():
    """trafilatura keeps a picture's caption with the text it illustrates: in HTML a caption that
    ends in its credit stays (in Chinese the whole caption, whose credit has no space-marked start),
    a credit alone goes; in plain text the caption goes aside, as before."""
    caption = ("Firefighters work through the night to contain the blaze near the northern edge of the "
               "national park on Sunday. Jane Roe/AFP – Getty Images")
    chinese = "2月17日，在武汉血液中心，康复病人在献血浆时拍照留念。新华社记者 才扬 摄"
    text = "\n".join([
        "The fire had burned more than four thousand hectares by Monday morning, officials said.",
        caption,
        chinese,
        "Foto: Ana Ruiz/dpa",
        "Crews from three provinces joined the effort as the wind eased late on Sunday evening.",
    ])
    kinds = {b.text: b.kind for b in clean(text, html=True)[1]}
    assert kinds == {"Foto: Ana Ruiz/dpa": "credit"}
    plain = {b.text: b.kind for b in clean(text)[1]}
    assert plain[caption] == "caption" and plain["Foto: Ana Ruiz/dpa"] == "credit" and chinese in plain
