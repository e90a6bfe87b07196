"""A small corpus in Italian, Finnish and English for the search tests."""

from datetime import date

from search.documents import Document


def _doc(key, lang, title, body, **fields):
    fields.setdefault("url", f"/{lang}/kb/{key}/")
    fields.setdefault("published", date(2024, 1, 15))
    return Document(key=key, lang=lang, title=title, body=body, **fields)


ITALIAN = [
    _doc(
        "kb-label-printer",
        "it",
        "Stampante di etichette: installazione in magazzino",
        "Collegare la stampante di etichette alla postazione del magazzino e "
        "scegliere il modello nelle impostazioni di spedizione. La stampante "
        "deve essere accesa prima di avviare il programma.",
        summary="Come collegare e configurare la stampante di etichette.",
        product_line="warehouse",
        area="shipping",
        doc_type="guide",
        audience="all",
        tags=["etichette", "stampa"],
        error_codes=["W-220"],
        published=date(2024, 3, 10),
    ),
    _doc(
        "kb-transport-documents",
        "it",
        "Documenti di trasporto: numerazione e causali",
        "Ogni documento di trasporto riceve un numero progressivo per anno. "
        "Le causali si scelgono dall'elenco delle tabelle. Alla conferma il "
        "documento viene inviato alla stampante predefinita dell'ufficio.",
        summary="Numerazione dei documenti di trasporto.",
        product_line="warehouse",
        area="shipping",
        doc_type="reference",
        audience="experienced",
        tags=["ddt"],
        published=date(2023, 11, 2),
    ),
    _doc(
        "kb-labels-after-update",
        "it",
        "Le etichette non escono dopo l'aggiornamento del programma",
        "Se dopo l'aggiornamento la stampante di etichette del magazzino non "
        "stampa, reinstallare il driver e verificare la coda di stampa. Il "
        "problema riguarda solo le etichette di spedizione.",
        summary="Etichette bloccate dopo un aggiornamento: cosa fare.",
        product_line="warehouse",
        area="shipping",
        doc_type="faq",
        audience="all",
        tags=["etichette", "aggiornamento"],
        published=date(2024, 6, 1),
    ),
    _doc(
        "kb-vat-settlement",
        "it",
        "Liquidazione IVA trimestrale",
        "La contabilità calcola la liquidazione IVA a fine trimestre. "
        "Controllare i registri prima della chiusura del periodo.",
        summary="Come si calcola la liquidazione IVA.",
        product_line="accounting",
        area="vat",
        doc_type="faq",
        audience="all",
        tags=["iva"],
        published=date(2024, 2, 20),
    ),
    _doc(
        "kb-payslip-pdf",
        "it",
        "Cedolino: esportazione in PDF",
        "Il cedolino del mese si esporta in PDF dalla scheda del dipendente. "
        "Le pagine stampate riportano il logo dell'azienda.",
        summary="Esportare il cedolino in PDF.",
        product_line="payroll",
        area="payslips",
        doc_type="guide",
        audience="experienced",
        tags=["pdf"],
        published=date(2024, 4, 5),
    ),
    _doc(
        "kb-financial-statements",
        "it",
        "Bilancio d'esercizio: chiusura dei conti",
        "Prima di chiudere i conti dell'esercizio verificare che la "
        "contabilità di magazzino sia allineata con le rimanenze. "
        "Se compare <Errore 12> & il saldo non quadra, ripetere la chiusura.",
        summary="Chiusura dei conti di fine esercizio.",
        product_line="accounting",
        area="financial-statements",
        doc_type="reference",
        audience="expert",
        tags=["bilancio"],
        visibility="customers",
        published=date(2023, 12, 28),
    ),
    _doc(
        "kb-partner-reinstall",
        "it",
        "Reinstallazione del server presso il cliente",
        "Procedura riservata ai partner: salvare gli archivi, disinstallare "
        "il servizio e ripetere la reinstallazione con la licenza del cliente. "
        "Anche la stampante di rete va registrata di nuovo.",
        summary="Reinstallare il server di un cliente.",
        product_line="accounting",
        area="general-ledger",
        doc_type="technote",
        audience="expert",
        tags=["server"],
        visibility="partners",
        published=date(2024, 5, 12),
    ),
    _doc(
        "kb-draft-fiscal-printer",
        "it",
        "Bozza: registratore fiscale collegato alla cassa",
        "Questa bozza descrive il registratore fiscale e il suo collegamento.",
        product_line="warehouse",
        area="shipping",
        doc_type="guide",
        live=False,
    ),
    *[
        _doc(
            f"kb-warehouse-update-{n:02d}",
            "it",
            f"Nota tecnica {n}: aggiornamento del magazzino",
            f"L'aggiornamento numero {n} corregge le giacenze di magazzino e "
            "migliora gli inventari.",
            product_line="warehouse",
            area="inventory",
            doc_type="technote",
            audience="expert" if n % 3 == 0 else "all",
            tags=["aggiornamento"],
            published=date(2022, 1 + n % 12, 1 + n),
        )
        for n in range(1, 13)
    ],
]

FINNISH = [
    _doc(
        "kb-label-printer",
        "fi",
        "Tulostin ei käynnisty",
        "Tarkista että tulostin on kytketty verkkoon ja että virta on päällä. "
        "Käynnistä tulostin uudelleen ennen kuin otat yhteyttä tukeen.",
        summary="Mitä tehdä, kun tulostin ei käynnisty.",
        product_line="warehouse",
        area="shipping",
        doc_type="faq",
        tags=["tulostus"],
    ),
    _doc(
        "kb-invoice-terms",
        "fi",
        "Lasku ja maksuehdot",
        "Jokainen lasku lähetetään asiakkaalle sähköpostilla. Maksuehto "
        "valitaan asiakkaan tiedoista.",
        summary="Maksuehdot ja laskun lähetys.",
        product_line="accounting",
        area="general-ledger",
        doc_type="guide",
    ),
    _doc(
        "kb-accounting-periods",
        "fi",
        "Kirjanpidon tilikauden päättäminen",
        "Tilikausi päätetään, kun kaikki tositteet on kirjattu.",
        product_line="accounting",
        area="financial-statements",
        doc_type="reference",
        audience="expert",
    ),
]

ENGLISH = [
    _doc(
        "kb-label-printer",
        "en",
        "Label printer installation in the warehouse",
        "Connect the label printer to the warehouse workstation and choose the "
        "model in the shipping settings.",
        summary="Connecting and configuring the label printer.",
        product_line="warehouse",
        area="shipping",
        doc_type="guide",
        tags=["labels"],
    ),
    _doc(
        "kb-invoice-terms",
        "en",
        "Invoices and payment terms",
        "Every invoice is e-mailed to the customer. The payment term comes "
        "from the customer's details.",
        product_line="accounting",
        area="general-ledger",
        doc_type="guide",
    ),
]

CORPUS = [*ITALIAN, *FINNISH, *ENGLISH]


def expected(lang, visibility=frozenset({"public"}), **filters):
    """Corpus documents a browse (no words) must return."""
    found = []
    for document in CORPUS:
        if document.lang != lang or not document.live:
            continue
        if document.visibility not in visibility:
            continue
        if "tag" in filters and filters["tag"] not in document.tags:
            continue
        if any(
            getattr(document, name) != value
            for name, value in filters.items()
            if name != "tag"
        ):
            continue
        found.append(document)
    return found
