"""Which language a text is written in, from the little words it uses.

Function words ("the", "and", "je", "und") make up a large share of any text and say
little about risk, which makes them a robust signal of the language even in a short
reply. Each language has a list of them, written as the normaliser leaves them (lower
case, without accents); a word that appears in the lists of two languages ("de", "me",
"no") tells them apart from neither, so it is left out of both. The guess counts the
text's words found in each list.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

_TOKEN = re.compile(r"[^\W\d_]+'?")

_FUNCTION_WORDS: Mapping[str, str] = {
    "en": """
        the and is are was were i you he she it we they my your his her its our their
        this that these those with for of to in on at from by about into over after
        before since until again have has had having not but what when where who how
        why which be been being do does did don didn doesn can could will would should
        just so if or an as am im ive id ill me us them him than then there here now
        very too much some any more only still really feel felt like because out up
        all get got know think want today yesterday tonight no plus i'
    """,
    "es": """
        el la los las que de y en un una unos unas es son por con para lo le les como
        pero mas muy yo mi mis tu su sus se te nos este esta esto estos estas eso esa
        ese estoy estaba estas esta soy eres fue era ser estar hay tengo tiene tienes
        tenia hoy ayer manana cuando porque todo todos toda nada algo tambien del al
        sin sobre hace siento quiero ya bien despues desde ahora solo aqui donde mucho
        mucha otra otro creo he ha han hasta me no si nunca siempre ojala nadie cada vez
        igual asi tan tanto cual quien entonces pues mientras quisiera pudiera puedo
        puede voy vamos estuve mejor peor demasiado poco usted ella ellos nosotros
    """,
    "fr": """
        le la les de des du et est un une je tu il elle nous vous ils elles on ne
        pas plus que qui dans pour avec sur par ce cette ces mais ou mon ma mes
        ton ta tes sa ses son leur leurs suis ai as avais avait etait etre avoir fait
        tres bien aussi tout tous toute rien comme encore depuis apres quand parce au
        aux aujourd hui hier moi toi lui me se te en y jamais toujours peu chez sans
        sont ont vais va veux peux si plus j' l' d' c' n' m' s' t' qu' quoi pourquoi
        comment alors donc car cela ca vraiment beaucoup trop deja bon etais faire
        personne quelque chose
    """,
    "de": """
        der die das den dem des und ist ich du er sie es wir ihr nicht ein eine einen
        einem einer mit auf fur fuer von zu im in auch aber noch nur so wie was wenn
        dass mich mir mein meine meinen meinem meiner habe hab hatte bin war sehr heute
        gestern schon immer nach bei oder weil denn kann will jetzt doch sich uns kein
        keine keinen nichts alles viel seit ganz gut bist sind wird am nie niemand
        warum etwas wieder einfach mehr hier dann wenn weiss geht gehts
    """,
}


def _exclusive(lists: Mapping[str, str]) -> dict[str, str]:
    """Each listed word mapped to its language, leaving out words two languages share."""
    seen: dict[str, set[str]] = {}
    for code, words in lists.items():
        for word in words.split():
            seen.setdefault(word, set()).add(code)
    return {word: codes.pop() for word, codes in seen.items() if len(codes) == 1}


_WORD_LANGUAGE = _exclusive(_FUNCTION_WORDS)


def _as_written(languages: Mapping[str, str]) -> dict[str, str]:
    """Each word's language as a text may write it: an apostrophe is kept only after an
    elided word (j', qu'); after a longer one ("don'", "pas'") the word counts without
    it. The same language a look-up of the word with the apostrophe dropped gives."""

    def elided(word: str) -> bool:  # a word the apostrophe is left on
        return len(word) <= 2 or word == "qu'"

    out = {w: code for w, code in languages.items() if not w.endswith("'") or elided(w)}
    for word, code in languages.items():
        if not word.endswith("'") and not elided(word + "'"):
            out[word + "'"] = code
    return out


_AS_WRITTEN = _as_written(_WORD_LANGUAGE)
KNOWN: frozenset[str] = frozenset(_FUNCTION_WORDS)
"""The languages with a built-in function-word list."""


def function_word_counts(text: str) -> dict[str, int]:
    """How many of ``text``'s words are function words of each listed language.

    ``text`` is normalised text (lower case, accents removed).
    """
    # counted in C: each word's language looked up as written (``_AS_WRITTEN``)
    return Counter(filter(None, map(_AS_WRITTEN.get, _TOKEN.findall(text))))


def best_languages(scores: Mapping[str, int], candidates: Iterable[str]) -> tuple[str, ...]:
    """The candidates with the highest score, English alone when it is among them.

    English decides a tie only when its evidence is at least as strong as any other
    language's (which includes a text with no function word at all); a tie between
    other languages returns all of them, in the order given.
    """
    ordered = list(candidates)
    if not ordered:
        return ()
    top = max(scores.get(code, 0) for code in ordered)
    if "en" in ordered and scores.get("en", 0) >= top:
        return ("en",)
    return tuple(code for code in ordered if scores.get(code, 0) == top)
