"""The analysis steps both database engines and Elasticsearch share."""

from search.analysis import compound_split, stem_tokens


def test_finnish_words_with_nimi_keep_it():
    # A rule that read -ime-/-imi- as the stem of an -in noun (tulostin →
    # tulostimen) turned "tiedostonimi" (file name) into "tiedostonin" and
    # "käyttäjänimi" (user name) into "kayttajanin"; words go to the stemmer
    # as they are.
    stems = stem_tokens(["tiedostonimi", "kayttajanimi", "tiedostonimen"], "fi")
    assert stems == ["tiedostonim", "kayttajanim", "tiedostonim"]


def test_compound_split_uses_only_known_parts():
    assert compound_split("verkkotulostin", {"tulostin"}) == ("verkko", "tulostin")
    assert compound_split("verkkotulostimen", {"tulostin"}) is None
