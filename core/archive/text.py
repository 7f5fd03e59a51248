"""Words and names for the synthetic archive, and the text it makes from them.

Everything here is plain ASCII letters, spaces and a little punctuation, so Markdown and
HTML of the same text can be written side by side without escaping.
"""

import itertools
import random

from django.utils.text import slugify


def word_list(block):
    """The words of a block of text: long lists read better as a block than as literals."""
    return block.split()


WORDS = word_list(
    """
absence ache afternoon alley anger archive arrival ash attic autumn avenue balcony ballad
band bargain beach bell betrayal birthday blossom boarding bone border boxer bridge brother
cabin camera canal candle captain carnival cellar ceremony chapel child choir cinema circus
city cliff clock coast concert confession corridor country courtroom cousin crossing crown
dance daughter dawn debt desert detour diary dinner distance dock doctor dream drift drought
drum dusk echo edge empire engine errand estate evening exile factory family farm father
ferry festival field fire flood flower fog forest fortune fountain frontier funeral garden
gesture ghost glacier glass grief guest habit harbour harvest heir highway hill holiday home
hospital hotel hunger hunt island journey jury kitchen lake lantern laughter ledger letter
library lighthouse lodger machine map market marriage meadow memory mercy mill mirror mist
money moon morning mother mountain museum neighbour night noise novel ocean office orchard
orphan painter parade passenger photograph piano pilgrim pilot planet pond portrait prairie
prison promise quarry radio railway rain ransom river road rooftop rumour sailor salt school
sea season secret shadow shelter shore silence singer sister snow soldier song spring station
stranger street summer sun swimmer tailor teacher telegram tenant theatre thief threshold
thunder tide tower town traveller tree tunnel twin valley village violin visitor voice
voyage waltz war watchman water wave wedding widow wind window winter witness wolf woman yard
"""
)

ADJECTIVES = word_list(
    """
quiet restless tender bitter golden hollow distant patient wild gentle brittle luminous
stubborn fragile honest crooked lonely careful furious slow sudden narrow open hidden
broken bright cold warm late early last first silent burning drowned forgotten borrowed
frozen painted sleeping wandering stolen secret little long endless second
"""
)

VERBS = word_list(
    """
holds keeps turns finds loses carries follows watches remembers forgets builds breaks
opens closes listens waits returns leaves answers hides shows gathers trusts doubts
measures earns spends questions frames lights records
"""
)

CRITIC_WORDS = word_list(
    """
performance screenplay camera score editing framing pacing direction cast ensemble lead
dialogue tone mood light colour sound rhythm structure ending opening sequence scene shot
montage texture restraint patience ambition humour warmth menace tension grace craft
"""
)

JUDGEMENTS = word_list(
    """
assured uneven remarkable careful generous precise overlong confident elegant patient
unhurried daring modest sly tender wry stark handsome muddled vivid lucid
"""
)

FIRST_NAMES = word_list(
    """
Ada Agnes Alba Alice Amara Ana Anders Andrei Anna Arjun Astrid Aurelio Ben Bianca Bruno
Camille Carla Carlos Chen Chiara Clara Colm Dara David Delphine Diego Dimitri Dora Elena
Elif Elliot Emil Emma Eva Farah Felix Femi Flora Frank Freya Gabriel Greta Hana Hannah Hugo
Ida Imogen Ines Irene Isaac Ivan Jacob Jana Jonas Josef Julia Kai Kamala Karin Kenji Lars
Laura Lea Leon Lina Lucas Lucia Maeve Malik Marco Maria Marta Mateo Maya Mei Milo Mira Nadia
Nico Nina Noor Olga Oscar Otto Paula Pedro Petra Quentin Rafael Rosa Ruth Sami Sara Selma
Simon Sofia Stella Tariq Tess Theo Tomas Una Vera Viktor Wanda Yara Yusuf Zadie Zora
"""
)

LAST_NAMES = word_list(
    """
Abbott Adler Almeida Andersen Arden Asher Baker Balogun Barros Bauer Bell Berger Blake Bloom
Bondarenko Brandt Brennan Calloway Carver Castell Chandra Chow Cohen Conti Costa Dahl Dalton
Delacroix Demir Duarte Duval Eklund Ellis Esposito Falk Farrow Ferreira Fischer Fontaine
Foster Galloway Garza Gill Gray Greco Haddad Halloran Hart Haugen Holm Hughes Ibsen Ito
Jansen Jovanovic Kahn Kaplan Karimi Keller Kovacs Kowalski Lang Larsen Laurent Lehmann Lind
Lopes Lund Madsen Mahler Marsh Meyer Moreau Morrow Nakamura Nash Navarro Nielsen Novak
Oakley Okafor Olsen Ortega Osei Park Pereira Pike Quinn Ramos Reyes Richter Rossi Russo
Saarinen Santos Sato Schmidt Serrano Shah Silva Sokolov Stone Strand Sullivan Tanaka Thorne
Torres Vance Varga Vidal Vogel Wagner Walsh Weber West Winter Wolff Yilmaz Young Zhao Ziegler
"""
)

GENRES = word_list(
    """
drama comedy thriller horror western musical documentary romance noir animation war
science-fiction fantasy mystery crime biopic satire melodrama adventure silent
"""
)

ROLES = ["man", "woman", "keeper", "child", "stranger", "girl", "boy"]

PUBLICATIONS = [
    ("The Evening Reel", "https://eveningreel.example.com"),
    ("Projector Weekly", "https://projectorweekly.example.com"),
    ("Second Run", "https://secondrun.example.org"),
    ("The Balcony Seat", "https://balconyseat.example.net"),
    ("Frame by Frame", "https://framebyframe.example.com"),
    ("Northern Screen", "https://northernscreen.example.org"),
    ("The Long Shot", "https://longshot.example.com"),
    ("Cinema Quarterly", "https://cinemaquarterly.example.org"),
    ("Matinee", "https://matinee.example.net"),
    ("Reel Notes", "https://reelnotes.example.com"),
]


# Nouns from most to least used: a fixed shuffle with Zipf-like weights, so that as in
# prose a few words are everywhere and most are rare.
NOUNS_BY_USE = random.Random(0).sample(WORDS, len(WORDS))
NOUN_WEIGHTS = list(itertools.accumulate(1 / rank for rank in range(1, len(WORDS) + 1)))


# Of every 20 words in a sentence: 4 adjectives, 2 verbs, 3 words about films, 11 nouns.
KINDS = [ADJECTIVES] * 4 + [VERBS] * 2 + [CRITIC_WORDS] * 3 + [None] * 11


def sentence(rng, low=8, high=18):
    """A sentence of vocabulary words, capitalised, with a full stop."""
    count = rng.randint(low, high)
    nouns = iter(rng.choices(NOUNS_BY_USE, cum_weights=NOUN_WEIGHTS, k=count))
    chosen = [rng.choice(kind) if kind else next(nouns) for kind in rng.choices(KINDS, k=count)]
    if count > 10:
        chosen[count // 2] += ","
    text = " ".join(chosen)
    return text[0].upper() + text[1:] + "."


def paragraph(rng, low=2, high=4):
    return " ".join(sentence(rng) for _ in range(rng.randint(low, high)))


def title(rng):
    """A film title: "The Quiet Harbour", "Lighthouse", "Winter of Glass"."""
    roll = rng.random()
    if roll < 0.35:
        return f"The {rng.choice(ADJECTIVES).title()} {rng.choice(WORDS).title()}"
    if roll < 0.55:
        return f"{rng.choice(WORDS).title()} of {rng.choice(WORDS).title()}"
    if roll < 0.75:
        return f"The {rng.choice(WORDS).title()}"
    if roll < 0.9:
        return f"{rng.choice(ADJECTIVES).title()} {rng.choice(WORDS).title()}"
    return rng.choice(WORDS).title()


def headline(rng, film_title):
    roll = rng.random()
    adjective, word = rng.choice(JUDGEMENTS), rng.choice(WORDS)
    if roll < 0.4:
        return f"{film_title}: a {adjective} {rng.choice(CRITIC_WORDS)} of {word}"
    if roll < 0.7:
        return f"{film_title} {rng.choice(VERBS)} its {word}"
    article = "An" if adjective[0] in "aeiou" else "A"
    return f"{article} {adjective} {rng.choice(CRITIC_WORDS)} in {film_title}"


def person_name(rng):
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    if rng.random() < 0.3:
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice('ABCDEFGHJKLMNPRSTVW')}. {name.split()[1]}"
    return name


def review_body(rng, film_title):
    """``(markdown, html, sections)`` of a review body: an opening paragraph, then two to
    four sections under ``##`` headings, as ``reviews.markdown.render_markdown`` renders it."""
    # The opening is the excerpt on cards, shown as typed: no Markdown in it.
    opening = f"In {film_title}, {lowered(sentence(rng))} {paragraph(rng, 1, 3)}"
    markdown, html, sections = [opening], [f"<p>{opening}</p>\n"], []
    for number, word in enumerate(rng.sample(WORDS, rng.randint(2, 4))):
        heading = f"The {word}" if rng.random() < 0.5 else f"{word.title()} and {rng.choice(WORDS)}"
        anchor = slugify(heading)
        sections.append({"id": anchor, "title": heading})
        markdown.append(f"## {heading}")
        html.append(f'<h2 id="{anchor}">{heading}</h2>\n')
        texts = [paragraph(rng) for _ in range(rng.randint(1, 2))]
        if number == 0:  # the film's title in italics, once
            markdown.append(f"*{film_title}* {lowered(texts[0])}")
            html.append(f"<p><em>{film_title}</em> {lowered(texts[0])}</p>\n")
            texts = texts[1:]
        for text in texts:
            markdown.append(text)
            html.append(f"<p>{text}</p>\n")
        if rng.random() < 0.15:
            quote = sentence(rng)
            markdown.append(f"> {quote}")
            html.append(f"<blockquote>\n<p>{quote}</p>\n</blockquote>\n")
    return "\n\n".join(markdown), "".join(html), sections


def lowered(text):
    return text[0].lower() + text[1:]


def comment_text(rng):
    """A reader's comment: a sentence or two, sometimes two paragraphs or a link."""
    parts = [" ".join(sentence(rng, low=5, high=14) for _ in range(rng.randint(1, 3)))]
    if rng.random() < 0.25:
        parts.append(sentence(rng, low=4, high=12))
    if rng.random() < 0.05:
        parts.append(
            f"More here: https://blog.example.net/{rng.choice(WORDS)}-{rng.randint(1, 999)}"
        )
    return "\n\n".join(parts)
