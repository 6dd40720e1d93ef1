"""The words that say what a line of page chrome is for, in many languages.

A credit names its role before the name ("Foto:", "Фото:", "منبع:", "出典："), a byline its
author ("Autor:", "Текст:", "ΓΡΑΦΕΙ:", "작성자"), a box of links its purpose ("Read more",
"Читайте также", "اقرأ أيضا", "関連記事"), a share bar its verbs ("Share", "Поделиться",
"댓글"). These are the roles' own words, gathered role by role across the languages news is
written in (English, German, French, Spanish, Italian, Portuguese, Dutch, the Nordic and Slavic
languages, Turkish, Indonesian, Vietnamese, Greek, Arabic, Persian, Hebrew, Hindi, Korean,
Chinese, Japanese, Thai...), not phrases of particular sites. A marker alone never sets a line
aside: the rules in `boilerplate` ask for it where the role puts it (a label before a colon, a
short line's first or last words) and for a line that is not a sentence.

Spaced scripts are looked up by token n-grams (casefolded, punctuation stripped); Chinese,
Japanese and Thai, written without spaces, by substring.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum


class Role(StrEnum):
    PHOTO = "photo"  # a picture, video or graphic: its credit or caption
    SOURCE = "source"  # where the text or picture came from
    AUTHOR = "author"  # who wrote it
    EDITOR = "editor"  # who edited it
    COPYRIGHT = "copyright"  # rights, licence, publisher and legal lines
    RELATED = "related"  # other articles
    SHARE = "share"  # share bars, comment sections, counters
    AD = "ad"  # advertisement markers
    SUBSCRIBE = "subscribe"  # newsletters, apps, log-in, follow us
    NAVIGATION = "navigation"  # home, menu, search, tags, skip links


# Entries are separated by commas; an entry may be a phrase of up to MAX_WORDS words.
_SPACED: dict[Role, str] = {
    Role.PHOTO: """
        photo, photos, photograph, photography, photographer, pic, picture, pictures, image, images,
        illustration, graphic, video, footage, photo credit, image credit, file photo, stock photo,
        symbolbild, symbolfoto, archivbild, archivfoto, photo d'archive, foto de archivo, foto d'archivio,
        foto, fotos, fotograf, fotografin, bild, bilder, grafik, fotografie,
        crédit, crédits, crédit photo, photographie, vidéo,
        fotografía, imagen, imágenes, ilustración, infografía,
        immagine, immagini, fotografia,
        imagem, imagens, vídeo,
        beeld, afbeelding, foto's,
        fot, zdjęcie, zdjęcia, ilustracja,
        snímek, obrázek, ilustrace,
        billede, billeder, bilde, kuva, kuvat,
        fotoğraf, görsel,
        gambar, ảnh,
        фото, фотография, иллюстрация, изображение, кадр, світлина, ілюстрація, снимка,
        φωτογραφία, φωτογραφίες, φωτο, φωτ,
        صورة, الصورة, صور, تصوير, عکس, تصویر,
        צילום, תמונה,
        फोटो, फ़ोटो, तस्वीर, चित्र, छायाचित्र,
        사진
    """,
    Role.SOURCE: """
        source, sources, quelle, quellen, fuente, fuentes, fonte, fontes, bron, źródło, zdroj, källa,
        kilde, lähde, kaynak, sumber, nguồn, источник, источники, джерело, източник, извор, πηγή,
        المصدر, مصدر, منبع, ماخذ, מקור, स्रोत, सोर्स, 출처, forrás, sursa, sursă
    """,
    Role.AUTHOR: """
        author, authors, reporter, reporters, correspondent, written by, reporting by,
        autor, autorin, autoren, auteur, auteurs, autore, autori, autora,
        texto, testo, tekst, text, текст,
        skribent, yazar, muhabir, haber, penulis, pewarta, wartawan, oleh,
        tác giả, phóng viên,
        автор, автори, авторы, корреспондент, кореспондент,
        γράφει, συντάκτης, συντάκτρια, κείμενο,
        كتب, كتبت, بقلم, كاتب, نویسنده, خبرنگار, گزارش,
        מאת,
        लेखक, संवाददाता, रिपोर्टर, लेखिका,
        작성자, 기자, 글쓴이, 필자
    """,
    Role.EDITOR: """
        editor, editors, edited by, editing by, redaktion, redakteur, redakteurin, rédaction, rédacteur,
        éditeur, redacción, redactor, redazione, redattore, redação, redactie, redakce, redaktor,
        redaktør, redaktör, editör, toimittaja, biên tập, редактор, редакция, редакція, επιμέλεια,
        محرر, المحرر, تحرير, ویراستار, संपादक, 편집, 편집자, עורך, עורכת
    """,
    Role.COPYRIGHT: """
        ©, (c), copyright, all rights reserved, alle rechte vorbehalten, tous droits réservés,
        todos los derechos reservados, tutti i diritti riservati, riproduzione riservata,
        todos os direitos reservados, alle rechten voorbehouden, wszelkie prawa zastrzeżone,
        všechna práva vyhrazena, všetky práva vyhradené, alla rättigheter förbehållna,
        alle rettigheder forbeholdes, alle rettigheter reservert, kaikki oikeudet pidätetään,
        tüm hakları saklıdır, hak cipta, bản quyền, все права защищены, всі права захищені,
        всички права запазени, με επιφύλαξη παντός δικαιώματος, جميع الحقوق محفوظة,
        كافة الحقوق محفوظة, حقوق محفوظ, כל הזכויות שמורות, सर्वाधिकार सुरक्षित, 저작권, 무단전재,
        무단 전재, 재배포 금지, impressum, imprint, datenschutz, privacy policy, terms of use,
        mentions légales, aviso legal, política de privacidad
    """,
    Role.RELATED: """
        related, read more, read also, also read, read next, see also, more news, more stories,
        recommended, most read, most popular, latest news, top stories, you may also like, trending,
        related articles, related stories, related news, more on this story, read full article,
        read full story, read the full story, continue reading, other news, more from, view more,
        don't miss, must read, editor's picks, popular now, latest stories, latest articles,
        mehr zum thema, lesen sie auch, lesen sie mehr, auch interessant, weitere artikel,
        weitere nachrichten, meistgelesen, meistgelesene, das könnte sie auch interessieren,
        andere nachrichten, mehr aus, mehr nachrichten, nicht verpassen, neueste artikel,
        lire aussi, à lire aussi, voir aussi, sur le même sujet, les plus lus, lire la suite, à lire,
        autres actualités, autres articles, à ne pas manquer, dernières actualités, plus d'actualités,
        leer más, lea también, lee también, te puede interesar, noticias relacionadas, lo más leído,
        más noticias, tenés que leer, leer noticia completa, seguir leyendo, otras noticias,
        las más leídas, los más leídos, más leídas, más leídos, no te pierdas, últimas noticias,
        leggi anche, potrebbe interessarti, più letti, articoli correlati, leggi di più,
        altre notizie, da non perdere, ultime notizie, notizie correlate,
        leia também, leia mais, mais lidas, notícias relacionadas, veja também, saiba mais,
        outras notícias, mais notícias, ver notícia, últimas notícias, não perca,
        lees ook, lees meer, meer nieuws, meest gelezen, gerelateerd, meer uit, ander nieuws,
        laatste nieuws,
        czytaj też, czytaj także, czytaj więcej, dowiedz się więcej, inne wiadomości,
        najnowsze wiadomości, polecane, zobacz też, zobacz także, najczęściej czytane,
        čtěte také, čtěte též, související, nejčtenější, další zprávy, další články,
        läs också, läs mer, mest läst, relaterat, fler nyheter, senaste nytt, læs også, læs mere, mest læste, les også, les mer,
        mest lest, lue myös, luetuimmat,
        ilgili haberler, devamını oku, haberin devamı, benzer haberler, çok okunanlar, sonraki haber,
        diğer haberler, son haberler,
        baca juga, baca berita, berita terkait, berita terbaru, terpopuler, terkini, baca selengkapnya,
        tin liên quan, xem thêm, đọc thêm, tin mới, tin khác, tin cùng chuyên mục, tin đọc nhiều,
        читайте также, читать также, читать полностью, читать далее, читайте по теме, по теме,
        еще по теме, похожие новости, новости по теме, самое читаемое, другие новости,
        главное за день, последние новости, не пропустите,
        читайте також, ще за темою, по темі, новини за темою, більше новин, інші новини,
        останні новини,
        διαβάστε επίσης, διαβάστε ακόμα, σχετικά άρθρα, δείτε επίσης, σχετικά νέα, σχετικές ειδήσεις,
        περισσότερα, τελευταία νέα,
        اقرأ أيضا, اقرأ أيضاً, إقرأ أيضا, مقالات ذات صلة, أخبار ذات صلة, اقرأ المزيد, الأكثر قراءة,
        أحدث الأخبار, مواضيع ذات صلة, أخبار أخرى, آخر الأخبار, الأكثر مشاهدة,
        بیشتر بخوانید, اخبار مرتبط, مطالب مرتبط, اخبار پیشنهادی, پربازدیدترین, مطالب پیشنهادی,
        קראו עוד, קרא עוד, כתבות נוספות, כתבות קשורות, עוד כתבות, עוד חדשות, אסור לפספס,
        תוכן שאסור לפספס,
        यह भी पढ़ें, ये भी पढ़ें, और पढ़ें, अधिक पढ़ें, अन्य खबरें, ताज़ा खबरें, ताजा खबरें, संबंधित खबरें, सम्बंधित खबरें,
        관련기사, 관련 기사, 관련뉴스, 관련 뉴스, 많이 본 뉴스, 더보기, 다른 기사, 최신 뉴스,
        주요 뉴스, 인기 기사
    """,
    Role.SHARE: """
        share, shares, share this, tweet, retweet, comment, comments, reply, replies, likes, views,
        leave a comment, no comments, post a comment, write a comment, add a comment, leave a reply,
        enter your comment, leave feedback, нет комментариев, ваш комментарий, نظر شما, 전체댓글,
        kommentar schreiben, ihre kommentare, laisser un commentaire, dejar un comentario,
        lascia un commento, deixe um comentário, napisz komentarz, оставить комментарий,
        написать комментарий, залишити коментар, yorum yaz, أضف تعليق, ارسال نظر, הוסף תגובה, 댓글 쓰기,
        teilen, kommentar, kommentare, kommentieren,
        partager, partagez, commentaire, commentaires, réagir,
        compartir, comparte, comentario, comentarios, comentar, publicar un comentario,
        condividi, commento, commenti, commenta,
        compartilhar, compartilhe, partilhar, comentário, comentários,
        delen, reacties, reageer, reactie,
        udostępnij, komentarze, komentarz, skomentuj,
        sdílet, komentáře, diskuse, komentár, komentáre, zdieľať,
        dela, kommentarer, kommentera,
        jaa, kommentit, paylaş, yorum, yorumlar, yorum yap,
        bagikan, komentar,
        chia sẻ, bình luận,
        поделиться, комментарии, комментарий, комментариев, комментировать, просмотров, просмотры,
        поділитися, коментарі, коментар, коментарів, коментувати,
        κοινοποίηση, σχόλια, σχόλιο,
        شارك, مشاركة, تعليقات, التعليقات, تعليق, نظرات, دیدگاه,
        שתפו, שתף, תגובות, תגובה,
        शेयर, टिप्पणी, टिप्पणियां, टिप्पणियाँ, कमेंट,
        공유, 댓글, 좋아요,
        copy link, kopiuj link, link kopieren, copier le lien, copiar enlace, کپی لینک,
        facebook, twitter, whatsapp, telegram, linkedin, pinterest, reddit, email, e-mail, print
    """,
    Role.AD: """
        advertisement, advertising, ad, ads, adv, sponsored, promoted, anzeige, werbung, publicité,
        publicidad, anuncio, pubblicità, publicidade, advertentie, reclame, reklama, reklam, iklan,
        quảng cáo, реклама, διαφήμιση, إعلان, اعلان, تبلیغات, آگهی, פרסומת, विज्ञापन, 광고
    """,
    Role.SUBSCRIBE: """
        subscribe, subscription, sign up, sign in, log in, login, register, newsletter, newsletters,
        follow us, download the app, get the app,
        abonnieren, anmelden, einloggen, folgen sie uns,
        abonnez-vous, s'abonner, connexion, s'inscrire, suivez-nous,
        suscríbete, suscribirse, regístrate, iniciar sesión, síguenos,
        iscriviti, abbonati, accedi, seguici,
        assine, inscreva-se, siga-nos,
        abonneer, inloggen, volg ons,
        subskrybuj, zaloguj, obserwuj,
        přihlásit, odebírat, sledujte,
        prenumerera, logga in, följ oss, log ind, følg os,
        abone ol, giriş yap, takip edin,
        berlangganan, ikuti kami,
        đăng ký, đăng nhập, theo dõi,
        подписаться, подпишитесь, войти, регистрация, подписывайтесь,
        підписатися, підпишіться, увійти,
        εγγραφή, συνδεθείτε, ακολουθήστε,
        اشترك, تسجيل الدخول, تابعونا, تابعنا, عضویت,
        הירשמו, התחברו, עקבו,
        सब्सक्राइब, लॉगिन,
        구독, 로그인, 팔로우
    """,
    Role.NAVIGATION: """
        home, homepage, menu, search, navigation, skip to content, skip to main content, main menu,
        tags, posts tagged, next, previous, back to top, full screen, fullscreen,
        startseite, suche, schlagwörter, zum inhalt, vollbild,
        accueil, recherche, rubriques, étiquettes, plein écran,
        inicio, portada, buscar, etiquetas, pantalla completa,
        cerca, início, pesquisar, zoeken, volledig scherm,
        strona główna, szukaj, tagi, úvod, hledat, štítky,
        hem, sök, forside, søg,
        anasayfa, ana sayfa, etiketler, beranda, cari,
        trang chủ, tìm kiếm,
        главная, поиск, теги, рубрики, головна, пошук,
        αρχική, αναζήτηση, ετικέτες,
        الرئيسية, بحث, الكلمات المفتاحية, الوسوم, صفحه اصلی, جستجو,
        דף הבית, חיפוש, תגיות,
        होम, खोजें, टैग,
        홈, 검색, 태그
    """,
}

#: Chinese, Japanese and Thai markers, found as substrings (these scripts write no spaces).
_DENSE: dict[Role, str] = {
    Role.PHOTO: "图片, 圖片, 摄影, 攝影, 摄, 攝, 写真, 画像, 撮影, 资料图, 資料圖, 视频, 視頻, 動画, ภาพ, รูป",
    Role.SOURCE: "来源, 來源, 出处, 出處, 出典, 出所, ที่มา",
    Role.AUTHOR: "作者, 记者, 記者, 文／, 文/, 筆者, ผู้เขียน, เขียนโดย",
    Role.EDITOR: "编辑, 編輯, 责编, 責編, 編集, บรรณาธิการ",
    Role.COPYRIGHT: "版权, 版權, 著作権, 無断転載, 無断複製, ICP备, ICP證, ICP证, 备案, 備案, 许可证, 許可證, สงวนลิขสิทธิ์, "
                    "免责声明, 免責聲明, 举报, 舉報",
    Role.RELATED: "相关新闻, 相關新聞, 相关阅读, 相關閱讀, 延伸阅读, 延伸閱讀, 推荐阅读, 推薦閱讀, 热门, 熱門, "
                  "更多新闻, 其他新闻, 最新新闻, 猜你喜欢, 関連記事, 最新記事, 人気記事, 関連ニュース, あわせて読みたい, おすすめ, 続きを読む, もっと見る, 一覧, "
                  "ข่าวที่เกี่ยวข้อง, ข่าวที่น่าสนใจ, อ่านเพิ่มเติม, ข่าวล่าสุด, บทความที่เกี่ยวข้อง",
    Role.SHARE: "分享, 评论, 評論, 转发, 轉發, 点赞, 點讚, コメント, シェア, ツイート, いいね, แชร์, ความคิดเห็น",
    Role.AD: "广告, 廣告, 広告, 推广, スポンサーリンク, スポンサー, โฆษณา",
    Role.SUBSCRIBE: "订阅, 訂閱, 登录, 登錄, 关注我们, 關注我們, 下载, 下載, ログイン, フォロー, 購読, "
                    "สมัครสมาชิก, เข้าสู่ระบบ, ติดตาม",
    Role.NAVIGATION: "首页, 首頁, 当前位置, 當前位置, 所在的位置, 您现在的位置, 本頁位置, 导航, 導航, 下一页, 下一頁, "
                     "上一页, 上一頁, 关键词, 關鍵詞, 标签, 標籤, 次のページ, 前のページ, タグ, キーワード, "
                     "ホーム, 検索, หน้าแรก, ค้นหา, แท็ก",
}

#: Punctuation stripped from a token's ends before it is looked up.
STRIP = "\"'“”‘’«»„‚()[]{}<>:;,.!?¡¿|/\\-–—•·*#=+@›‹…،؛؟。、：；！？「」『』【】（）"
MAX_WORDS = 4


def _unaccented_greek(text: str) -> str:
    """Greek written in capitals drops its accents ("ΓΡΑΦΕΙ" for "γράφει"): both are markers."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn"
                   ) if any("\u0370" <= c <= "\u03ff" for c in text) else text


def _table(source: dict[Role, str]) -> dict[str, Role]:
    table: dict[str, Role] = {}
    for role, text in source.items():
        for entry in text.split(","):
            entry = " ".join(entry.split()).casefold()
            if entry:
                table.setdefault(entry, role)
                table.setdefault(unicodedata.normalize("NFC", _unaccented_greek(entry)), role)
    return table


PHRASES = _table(_SPACED)
DENSE = _table(_DENSE)
_DENSE_FIND = re.compile("|".join(sorted(map(re.escape, DENSE), key=len, reverse=True)))


#: For each word that begins a marker of several words, the most words such a marker has.
_STARTS: dict[str, int] = {}
for _phrase in PHRASES:
    _first, _, _rest = _phrase.partition(" ")
    if _rest:
        _STARTS[_first] = max(_STARTS.get(_first, 0), _phrase.count(" ") + 1)

#: Every word a marker is or begins with: a line with none of them has no marker.
_LOOKED_UP = frozenset(PHRASES).union(_STARTS)


#: What a word is made of: letters and digits, and the combining marks that Python's \w leaves
#: out (the vowel signs of Devanagari and Thai, Arabic and Hebrew points), and the joiners of
#: Persian and Indic words.
_WORD = (r"\w\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u0610-\u061a"
         r"\u064b-\u065f\u0670\u06d6-\u06dc\u06df-\u06e8\u06ea-\u06ed\u0900-\u0963\u0966-\u0dff\u0e31"
         r"\u0e34-\u0e3a\u0e47-\u0e4e\u0eb1\u0eb4-\u0ebc\u1000-\u109f\u17b4-\u17d3\u200c\u200d\u3099\u309a")
#: A word: those characters, with the apostrophes, hyphens, slashes and inner dots, commas and
#: colons that words and numbers carry ("l'actualité", "e-mail", "28.01.2026", "15:29"); or "©".
#: Written as runs of word characters joined by inner punctuation, so the regex engine takes a
#: run in one step instead of trying two branches at every character.
TOKEN = re.compile(rf"[^\W_][{_WORD}'’@/+#-]*+(?:[.,:](?=[{_WORD}])[{_WORD}'’@/+#-]*+)*+|©")


#: Punctuation that is never part of a word (TOKEN takes none of it, and none begins a word).
_EDGES = "\"“”‘«»„‚()[]{}<>:;,.!?¡¿|…–—•·*=›‹،؛؟。、：；！？「」『』【】（）"


def tokens(text: str) -> list[str]:
    """The line's words, casefolded, without the punctuation around them.

    The same as TOKEN.findall, which is slow per character: most whitespace-separated chunks
    are letters and digits with punctuation only at their edges, and such a chunk is one word
    (a word never spans a space); only the other chunks go through the regex."""
    chunks = text.casefold().split()
    if "".join(chunks).isalnum():
        return chunks
    found = []
    for chunk in chunks:
        core = chunk.strip(_EDGES)
        if core.isalnum():
            found.append(core)
        else:
            found += TOKEN.findall(chunk)
    return found


def scan(words: list[str]) -> list[tuple[Role, int, int]]:
    """Every marker among `words`, the longest where several start at one word: (role, start
    index, end index exclusive)."""
    if _LOOKED_UP.isdisjoint(words):
        return []  # most lines: no word is a marker or begins one
    found = []
    i, n = 0, len(words)
    get = PHRASES.get
    while i < n:
        word = words[i]
        longest = _STARTS.get(word)
        if longest:
            for k in range(min(longest, n - i), 1, -1):
                role = get(" ".join(words[i : i + k]))
                if role is not None:
                    found.append((role, i, i + k))
                    i += k
                    break
            else:
                role = get(word)
                if role is not None:
                    found.append((role, i, i + 1))
                i += 1
            continue
        role = get(word)
        if role is not None:
            found.append((role, i, i + 1))
        i += 1
    return found


def dense_roles(text: str) -> list[tuple[Role, int, int]]:
    """The Chinese, Japanese and Thai markers in `text`: (role, start offset, end offset), the
    first of each role."""
    found: dict[Role, tuple[Role, int, int]] = {}
    for match in _DENSE_FIND.finditer(text):
        found.setdefault(DENSE[match.group()], (DENSE[match.group()], match.start(), match.end()))
    return list(found.values())
