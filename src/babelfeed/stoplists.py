"""Function words per language, from jusText's stoplists (installed with trafilatura).

The most frequent words of a language ("the", "und", "de") say cheaply and reliably which
language a short stretch of text is in, where n-gram detection is slow and noisy. jusText
names its lists by English language names; this maps them to langdetect's codes, which are
the codes babelfeed uses everywhere.
"""

from __future__ import annotations

from functools import cache

#: langdetect code -> jusText stoplist name (languages jusText has a list for).
JUSTEXT_NAMES = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "ca": "Catalan",
    "cs": "Czech", "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek", "en": "English",
    "es": "Spanish", "et": "Estonian", "fa": "Persian", "fi": "Finnish", "fr": "French",
    "gu": "Gujarati", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian",
    "id": "Indonesian", "it": "Italian", "kn": "Kannada", "ko": "Korean", "lt": "Lithuanian",
    "lv": "Latvian", "mk": "Macedonian", "ml": "Malayalam", "mr": "Marathi", "ne": "Nepali",
    "nl": "Dutch", "no": "Norwegian_Bokmal", "pa": "Western_Panjabi", "pl": "Polish",
    "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian",
    "sq": "Albanian", "sv": "Swedish", "sw": "Swahili", "ta": "Tamil", "te": "Telugu",
    "tl": "Tagalog", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese",
}


@cache
def stoplist(language: str) -> frozenset[str]:
    """The language's function words, lowercased; empty where jusText has no list."""
    name = JUSTEXT_NAMES.get(language)
    if name is None:
        return frozenset()
    import justext

    return frozenset(word.casefold() for word in justext.get_stoplist(name))


@cache
def foreign_words(language: str) -> frozenset[str]:
    """Function words of the other languages that are not function words of `language`:
    seeing several of them in a sentence is what makes it worth a closer look."""
    own = stoplist(language)
    return frozenset().union(*(stoplist(other) for other in JUSTEXT_NAMES if other != language)) - own
