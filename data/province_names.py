"""Province names in Dari/Persian, Pashto and Urdu from Unicode CLDR.

Imported by build_boundaries.py. Reads the CLDR subdivision names shipped by
the Debian package `unicode-cldr-core` (CLDR 41, Unicode-DFS-2016 licence),
checks each file's sha256, and strips the "province" word that CLDR adds to
most names so they read as map labels. Every other character is kept as the
source spells it. Standard library only.

The stripping is a closed list (STRIP below): each rule must be used at least
once and no name may keep a province word afterwards, so a different CLDR
release fails the build instead of silently changing labels.
"""

import hashlib
import os
import xml.etree.ElementTree as ET

CLDR_DIR = "/usr/share/unicode/cldr/common/subdivisions"
CLDR_PACKAGE = "Debian unicode-cldr-core 41-0.1 (Unicode CLDR 41)"
CLDR_SHA256 = {
    "fa": "949669cff6f9429bf8333f2a09a311b465723dc60adf44cbf7f699b2aa097297",
    "ps": "58bfa28891657d2c576f131e6d540aa81f1cfc77d3a5c268e61da6cc1e4f806c",
    "ur": "ac88b7101a4efe176c9a740f46acf25a76068ee5832f85234765cf1920baa7ef",
}
LANGS = ("fa", "ps", "ur")
NAME_SOURCE = "Unicode CLDR 41 subdivision names (Unicode-DFS-2016)"

# (language, where, word): the "province" words CLDR puts around a name.
# "prefix" removes "word " at the start, "suffix" removes " word" at the end.
STRIP = [
    ("fa", "prefix", "ولایت"),        # velāyat, an Afghan province
    ("fa", "prefix", "استان"),        # ostān, province (Sindh)
    ("fa", "prefix", "ایالت"),        # eyālat, state/province (Balochistan)
    ("ps", "suffix", "ولايت"),        # walāyat, an Afghan province
    ("ps", "prefix", "د"),            # genitive "of" in "د ننګرهار ولايت" (province of Nangarhar)
    ("ur", "prefix", "صوبہ"),         # sūba, province
    ("ur", "suffix", "صوبہ"),         # the same word after the name (Laghman)
    ("ur", "suffix", "پراونس"),       # "province" transliterated (Zabul)
]
# The Pashto genitive particle is only removed together with the suffix
# "ولايت"; on its own it would be part of the name.
GENITIVE = ("ps", "prefix", "د")
PROVINCE_WORDS = {rule[2] for rule in STRIP if rule != GENITIVE}


class NamesError(Exception):
    pass


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def _read(lang, cldr_dir):
    path = os.path.join(cldr_dir, lang + ".xml")
    if not os.path.exists(path):
        raise NamesError("%s not found: install %s (or pass --cldr-dir)" % (path, CLDR_PACKAGE))
    got = _sha256(path)
    if got != CLDR_SHA256[lang]:
        raise NamesError("%s: sha256 %s, expected %s (%s)" % (path, got, CLDR_SHA256[lang], CLDR_PACKAGE))
    names = {}
    for el in ET.parse(path).getroot().iter("subdivision"):
        t = el.get("type", "")
        if t[:2] in ("af", "pk") and len(t) > 2 and el.text:
            names["%s-%s" % (t[:2].upper(), t[2:].upper())] = el.text.strip()
    return path, names


def strip_province_word(lang, raw, used):
    """The label for one CLDR name, recording which STRIP rules applied."""
    name = raw
    for rule in STRIP:
        rlang, where, word = rule
        if rlang != lang or rule == GENITIVE:
            continue
        if where == "prefix" and name.startswith(word + " "):
            name = name[len(word) + 1:]
            used.add(rule)
        elif where == "suffix" and name.endswith(" " + word):
            name = name[: -len(word) - 1]
            used.add(rule)
            g = GENITIVE
            if lang == g[0] and name.startswith(g[2] + " "):
                name = name[len(g[2]) + 1:]
                used.add(g)
    left = PROVINCE_WORDS & set(name.split())
    if left:
        raise NamesError("%s name %r still has a province word after stripping" % (lang, raw))
    return name


def cldr_names(codes, cldr_dir=CLDR_DIR):
    """{code: {"fa": label, ...}} for the given ISO 3166-2 codes, only where
    CLDR has a name, plus the list of (code, lang) gaps."""
    used = set()
    out = {c: {} for c in codes}
    gaps = []
    for lang in LANGS:
        path, names = _read(lang, cldr_dir)
        for code in codes:
            raw = names.get(code)
            if raw is None:
                gaps.append((code, lang))
                continue
            out[code][lang] = strip_province_word(lang, raw, used)
    unused = [r for r in STRIP if r not in used]
    if unused:
        raise NamesError("stripping rules not used by this CLDR release: %r" % unused)
    return out, gaps
