"""Demo remote assistance: version 1 of the clauses in Italian, Finnish and
English (written from the Italian manual), the remote-control tools (current
ones per operating system, and the two legacy tools the Finnish manual keeps),
and the editors' permissions to maintain both. Safe to run again: an existing
text is left as editors made it, tools are updated by name."""

from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model
from wagtail.models import Collection

from .models import ConsentText, RemoteTool
from .services import publish_consent_text

CLAUSES = {
    "it": (
        "Con la presente dichiaro di accettare le seguenti clausole di esclusione "
        "della responsabilità, autorizzo il vostro intervento in assistenza remota "
        "e dichiaro di:",
        [
            "Autorizzare, ai sensi della normativa vigente in materia di protezione "
            "dei dati personali (Regolamento UE 2016/679 e D.Lgs. 196/2003), la "
            "consultazione e l'accesso ai dati personali eventualmente custoditi "
            "presso la propria sede.",
            "Accettare di mettere a disposizione del fornitore del servizio tutte le "
            "apparecchiature necessarie per stabilire il collegamento.",
            "Confermare di aver provveduto ad effettuare le necessarie copie di "
            "sicurezza (almeno due) dei supporti di memorizzazione (backup).",
            "Accettare di presenziare durante tutta la durata dell'intervento al "
            "fine di fornire ogni indicazione richiesta.",
            "Esonerare il fornitore da qualunque responsabilità per danni, diretti o "
            "indiretti, che possano derivare dall'esecuzione dell'intervento.",
            "Impegnarsi a corrispondere il corrispettivo della prestazione, se "
            "richiesto, da computarsi alle tariffe vigenti.",
        ],
    ),
    "en": (
        "I hereby accept the following clauses excluding liability, authorise your "
        "remote assistance intervention and declare that I:",
        [
            "Authorise, under the applicable data protection law (EU Regulation "
            "2016/679, GDPR), the consultation of and access to any personal data "
            "kept at my premises.",
            "Agree to make available to the service provider all the equipment "
            "needed to establish the connection.",
            "Confirm that I have made the necessary backup copies (at least two) of "
            "the storage media.",
            "Agree to be present for the whole duration of the intervention, to "
            "provide any information requested.",
            "Release the provider from any liability for damage, direct or "
            "indirect, that may arise from carrying out the intervention.",
            "Undertake to pay the fee for the service, if due, calculated at the "
            "current rates.",
        ],
    ),
    "fi": (
        "Hyväksyn seuraavat vastuunrajoitusehdot, annan luvan etätukitoimenpiteeseen "
        "ja vakuutan, että:",
        [
            "Annan sovellettavan tietosuojalainsäädännön (EU:n yleinen "
            "tietosuoja-asetus 2016/679) mukaisesti luvan tarkastella ja käsitellä "
            "toimipaikassani mahdollisesti säilytettäviä henkilötietoja.",
            "Sitoudun antamaan palveluntarjoajan käyttöön kaikki yhteyden "
            "muodostamiseen tarvittavat laitteet.",
            "Vahvistan ottaneeni tallennusvälineistä tarvittavat varmuuskopiot "
            "(vähintään kaksi).",
            "Sitoudun olemaan paikalla koko toimenpiteen ajan antaakseni kaikki "
            "tarvittavat tiedot.",
            "Vapautan palveluntarjoajan kaikesta vastuusta välittömistä tai "
            "välillisistä vahingoista, joita toimenpiteen suorittamisesta voi "
            "aiheutua.",
            "Sitoudun maksamaan palvelusta mahdollisesti perittävän korvauksen "
            "voimassa olevan hinnaston mukaisesti.",
        ],
    ),
}

_RUN = {
    "it": (
        "Scarica il file e aprilo. Quando il tecnico te lo chiede, leggigli il "
        "codice di sessione mostrato in questa pagina e resta davanti al computer: "
        "le sue richieste compariranno qui."
    ),
    "fi": (
        "Lataa tiedosto ja avaa se. Kun tukihenkilö pyytää, kerro hänelle tällä "
        "sivulla näkyvä istuntokoodi ja pysy koneen ääressä: hänen pyyntönsä "
        "näkyvät tällä sivulla."
    ),
    "en": (
        "Download the file and open it. When the technician asks, read them the "
        "session code shown on this page and stay at your computer: their requests "
        "appear here."
    ),
}
_LEGACY = {
    "it": (
        "Solo per le installazioni che lo usano ancora: aprilo dal menu Aiuto del "
        "programma e premi «Apri connessione»."
    ),
    "fi": (
        "Vain asennuksille, jotka käyttävät sitä yhä: avaa se ohjelman Ohje-valikosta "
        "ja paina Avaa yhteys -painiketta."
    ),
    "en": (
        "Only for installations that still use it: open it from the program's Help "
        "menu and press “Open connection”."
    ),
}

# name, file name, (windows, macos, linux), legacy, sort order
TOOLS = [
    ("Sportello Remote for Windows", "sportello-remote-windows.txt", (1, 0, 0), 0, 10),
    ("Sportello Remote for macOS", "sportello-remote-macos.txt", (0, 1, 0), 0, 20),
    ("Sportello Remote for Linux", "sportello-remote-linux.txt", (0, 0, 1), 0, 30),
    ("Remoteus remote support (2010)", "remoteus-2010.txt", (1, 0, 0), 1, 40),
    ("Remoteus remote support (2008)", "remoteus-2008.txt", (1, 0, 0), 1, 50),
]

PLACEHOLDER = (
    "{name}\n\nDemo placeholder. In production an editor uploads the installer of "
    "the remote-control tool here (Wagtail admin > Remote assistance > "
    "Remote-control tools), or gives its download address.\n"
)

EDITOR_PERMISSIONS = [
    "add_consenttext",
    "change_consenttext",
    "publish_consenttext",
    "add_remotetool",
    "change_remotetool",
    "delete_remotetool",
]


def _document(title: str, filename: str):
    Document = get_document_model()
    document = Document.objects.filter(title=title).first()
    if document is not None:
        return document
    document = Document(title=title, collection=Collection.get_first_root_node())
    document.file.save(
        filename, ContentFile(PLACEHOLDER.format(name=title).encode()), save=False
    )
    document._set_document_file_metadata()
    document.save()
    return document


def load_clauses() -> int:
    created = 0
    for language, (intro, clauses) in CLAUSES.items():
        if ConsentText.objects.filter(language=language).exists():
            continue
        publish_consent_text(language, intro, clauses)
        created += 1
    return created


def load_tools() -> None:
    for name, filename, systems, legacy, order in TOOLS:
        instructions = _LEGACY if legacy else _RUN
        RemoteTool.objects.update_or_create(
            name=name,
            defaults={
                "for_windows": bool(systems[0]),
                "for_macos": bool(systems[1]),
                "for_linux": bool(systems[2]),
                "document": _document(name, filename),
                "url": "",
                "instructions_it": instructions["it"],
                "instructions_fi": instructions["fi"],
                "instructions_en": instructions["en"],
                "is_legacy": bool(legacy),
                "sort_order": order,
                "is_active": True,
            },
        )


def grant_editor_permissions() -> None:
    permissions = Permission.objects.filter(
        content_type__app_label="remote", codename__in=EDITOR_PERMISSIONS
    )
    for group in Group.objects.filter(name__in=["Editors", "Moderators"]):
        group.permissions.add(*permissions)


def load(stdout) -> None:
    created = load_clauses()
    load_tools()
    grant_editor_permissions()
    stdout.write(
        f"  remote assistance: clauses in {created} new language(s), {len(TOOLS)} tools"
    )
