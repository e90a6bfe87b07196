"""Words too common to help find a document, per language, accent-folded.

Short hand-written lists: articles, prepositions, conjunctions, pronouns and the
commonest auxiliary verb forms. They are dropped when indexing and when
querying, by every backend, so a long description typed as a query is matched
on the words that carry its meaning.
"""

_ITALIAN = """
a abbiamo ad agli ai al alla alle allo anche ancora avere avete c ci coi col
come con cosa cui d da dagli dai dal dalla dalle dallo degli dei del della
delle dello di dove e ed era erano essere fra gia gli ha hai hanno ho i il in
io l la le lei li lo loro lui ma mi mia mie miei mio molto ne negli nei nel
nella nelle nello noi non o od ogni per perche piu poi quando quella quelle
quelli quello questa queste questi questo quindi se sempre si sia siamo sono
su sua sue sugli sui sul sulla sulle sullo suo suoi ti tra tu tua tuo tutti
tutto un una uno vi voi altre altri altro deve devono essa esso puo puoi possono
propri propria proprie proprio questa stessa stesso vostra vostro
"""

_FINNISH = """
ei eika eli en et ette ja jo joka jolla jonka jos jota kanssa kuin kun me
minun minulla minua mina mika mita mutta myos ne niin niita nyt olen olet oli
olivat olla olemme on ovat se seka sen sina sinun siina siita taa taman
tama te tai tassa tasta he han hanen vai vaan voi
etta jotta koska vaikka kuten kuinka miksi miten missa mista mihin milloin
kuka mitka mihin naita nama naiden noita nuo tuo tuon tata taman siten sitten
kaikki kaikkia muuta muut muita paljon itse ole ollut voit voivat voidaan
sinulla sinua sinusta meidan heidan niita niiden joita jotka joiden
"""

_ENGLISH = """
a about after all also am an and any are as at be been before being but by can
could d did do does doing for from had has have he her his how i if in into is
it its ll m me my no not of on or our ours re s she so t than that the their
them then there these they this those to too up us ve was we were what when
where which who why will with would you your each may might must other own
same should some such than very yours
"""

STOPWORDS: dict[str, frozenset[str]] = {
    "it": frozenset(_ITALIAN.split()),
    "fi": frozenset(_FINNISH.split()),
    "en": frozenset(_ENGLISH.split()),
}
