"""Redaction of personal data before editors read customers' words (issue 15):
tax codes, IBANs, card numbers, passwords and introduced names, in Italian,
Finnish and English, while error codes, dates, case numbers and ordinary
sentences stay readable."""

import pytest
from django.utils import translation

from core.redaction import redact_personal_data, redact_text

SAMPLES = [
    pytest.param(
        "it",
        "Buongiorno, mi chiamo Mario Rossi, codice fiscale RSSMRA85T10A562S, "
        "P.IVA 01234567890, IBAN IT60 X054 2811 1010 0000 0123 456. "
        "La password è Ciao123! Errore SIS-1042 il 2026-03-02 10:15:22, "
        "pratica 2026-000123. Cordiali saluti, Giulia Bianchi",
        ["Mario", "Rossi", "RSSMRA85T10A562S", "01234567890", "X054", "Ciao123"]
        + ["Giulia", "Bianchi"],
        ["mi chiamo", "SIS-1042", "2026-03-02 10:15:22", "2026-000123", "Errore"]
        + ["[nome]", "[codice fiscale]", "[IBAN]", "[password]"],
        id="italian",
    ),
    pytest.param(
        "fi",
        "Hei, nimeni on Matti Meikäläinen (henkilötunnus 131052-308T). "
        "Salasanani on kissa2024. Tilinumero FI21 1234 5600 0007 85. "
        "Virhe SIS-1042 tulostettaessa. Terveisin Liisa Virtanen",
        ["Matti", "Meikäläinen", "131052-308T", "kissa2024", "FI21", "Liisa"]
        + ["Virtanen"],
        ["nimeni on", "SIS-1042 tulostettaessa", "Salasanani on", "Terveisin"],
        id="finnish",
    ),
    pytest.param(
        "en",
        "Hi, my name is John Smith. Card 4111 1111 1111 1111, password: hunter2. "
        "I am unable to print since 2026-03-02 (case 2026-000123, SIS-1042). "
        "Kind regards,\nJane Doe",
        ["John", "Smith", "4111", "hunter2", "Jane", "Doe"],
        ["I am unable to print", "2026-03-02", "2026-000123", "SIS-1042"]
        + ["[name]", "[card number]", "[password]"],
        id="english",
    ),
]


@pytest.mark.parametrize(("language", "text", "gone", "kept"), SAMPLES)
def test_personal_data_is_redacted_in_each_language(language, text, gone, kept):
    with translation.override(language):
        clean = redact_personal_data(text)

    for word in gone:
        assert word not in clean, (word, clean)
    for word in kept:
        assert word in clean, (word, clean)


@pytest.mark.parametrize(
    "text",
    [
        # Checksums fail: an error code, a serial, a made-up account number.
        "Codice ABCDEF12G34H567I non valido, seriale 4111 1111 1111 1112",
        "IBAN IT00 X054 2811 1010 0000 0123 456 rifiutato; SIS-1042",
        "Virhekoodi 131052-308U tulostettaessa",
        # A password that is not told: what is wrong with it stays.
        "Ho dimenticato la password e la password è scaduta",
        "The password is wrong and MS Office 2021 will not start",
        "Salasana on vanhentunut",
        # Capitalised words after an introducing word that are not names.
        "Sono bloccato: la stampa non parte",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert redact_personal_data(text) == text


def test_redact_text_adds_the_case_identifiers_to_the_personal_data():
    clean = redact_text(
        "Microbit Srl (024200): sono Mario, IBAN IT60X0542811101000000123456",
        names=["Microbit Srl"],
        codes=["024200"],
    )

    assert "Microbit" not in clean and "024200" not in clean
    assert "Mario" not in clean and "IT60" not in clean
