"""Synthetic names: common given names and surnames by naming tradition, with the
transliteration variants that make one person look like several in agency records.

The pools are common names, not real people. Real naming is a few very common names
and a long tail of rarer ones, and linkage depends on that tail (two tourists called
Thomas Schmidt born on the same day are rare in life, and should be rare here). So each
tradition's list of common names (the head) is extended by a generated tail of
same-style names, blends of two common names (``Schmidt`` and ``Hoffmann`` give
``Schmiffmann``; Chinese and Korean given names join two syllables), and a tradition's
head share says how often people carry a head name (high where naming is concentrated,
as in the Maldives and Bangladesh). A person keeps one canonical name; some people are
written in another transliteration in some records (Mohamed / Mohammed / Muhammad), and
any record may carry a typing error.

>>> names = NameBook()
>>> names.variants_of("Mohamed")[:3]
('Mohamed', 'Mohammed', 'Muhammad')
>>> blend("Schmidt", "Hoffmann"), blend("Hossain", "Rahman")
('Schmiffmann', 'Hohman')
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

# Naming traditions: given names by sex (M, F) and surnames (S).
_POOLS: dict[str, dict[str, str]] = {
    "maldivian": {
        "M": "Ahmed Mohamed Ibrahim Ali Hassan Hussain Abdulla Ismail Moosa Adam Yoosuf "
        "Mausoom Shafeeg Nasheed Riyaz Shiyam Zahir Naseem Hamid Azim Ilyas Shifaz",
        "F": "Aishath Fathimath Mariyam Aminath Hawwa Khadheeja Zeenath Shifa Nasreena Sana "
        "Raufa Hudha Asiya Nazima Shaheema Mohamedha Aminath Hafsa",
        "S": "Mohamed Ahmed Ibrahim Ali Hassan Hussain Abdulla Rasheed Naseem Saeed Waheed "
        "Zahir Shareef Manik Didi Latheef Moosa Adam Yoosuf Jaleel Faiz Shakir",
    },
    "bengali": {
        "M": "Mohammad Abdul Rahim Karim Rafiqul Shahidul Mizanur Habibur Jahangir Kamal "
        "Alamgir Rubel Sohel Masud Anwar Faruk Nazrul Jamal Selim Sumon Shahin Monir",
        "F": "Fatema Nasrin Shahnaz Ayesha Rokeya Salma Roksana Sultana Rina Shirin",
        "S": "Hossain Islam Rahman Uddin Ahmed Miah Sarker Khan Alam Chowdhury Mondal "
        "Sheikh Molla Howlader Bhuiyan Talukder Akter Begum Ali Haque",
    },
    "pakistani": {
        "M": "Muhammad Ali Imran Asif Bilal Usman Tariq Shahid Naveed Kashif",
        "F": "Ayesha Sana Fatima Hina Saima Rabia",
        "S": "Khan Ahmed Butt Malik Chaudhry Hussain Qureshi Shah Iqbal Raza",
    },
    "indian": {
        "M": "Rajesh Suresh Ramesh Arun Vijay Anil Sunil Manoj Santosh Rahul Deepak Joseph "
        "Thomas Prakash Senthil Murugan Biju Shaji Abdul Mohammed Ganesh Ravi",
        "F": "Priya Lakshmi Anitha Deepa Sunitha Mary Divya Kavitha Rekha Sreeja Jincy",
        "S": "Kumar Singh Nair Pillai Menon Reddy Sharma Das Thomas Joseph George Varghese "
        "Krishnan Raj Babu Rao Patel Iyer Mathew Yadav",
    },
    "sinhala": {
        "M": "Nuwan Chaminda Kasun Pradeep Ruwan Sampath Dinesh Lasantha Tharindu Roshan "
        "Mohamed Mahesh Saman",
        "F": "Dilani Chamari Nadeesha Sanduni Madhavi Nirosha Kumari Ishara",
        "S": "Perera Fernando Silva Jayasinghe Bandara Kumara Rajapaksha Wickramasinghe "
        "Dissanayake Herath Gunawardena Ranasinghe Mendis",
    },
    "nepali": {
        "M": "Ram Krishna Bikash Suman Santosh Ramesh Dipak Prakash Bishnu Hari Bibek",
        "F": "Sita Gita Sarita Anita Laxmi Sunita",
        "S": "Thapa Gurung Tamang Rai Magar Shrestha Karki Adhikari Sharma Limbu Bhandari Khadka",
    },
    "chinese": {
        "M": "Wei Jun Lei Hao Jian Ming Tao Yong Qiang Bo Chen Yi",
        "F": "Li Fang Jing Min Yan Xin Hui Ying Na Xiu",
        "S": "Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo Gao Lin He "
        "Luo Zheng Liang Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Yuan Pan "
        "Jiang Cai Yu Du Ye Cheng Su Lu Ding Ren Shen Yao",
    },
    "filipino": {
        "M": "Jose Juan Mark Ronald Christian Michael Jerome Rodel Arnel",
        "F": "Maria Kristine Jennifer Rowena Lovely Joy Marites Analyn",
        "S": "Santos Reyes Cruz Bautista Garcia Mendoza Ramos Aquino Villanueva Castillo",
    },
    "indonesian": {
        "M": "Budi Agus Eko Dedi Hendra Rudi Ahmad Wahyu",
        "F": "Siti Dewi Sri Putri Ayu Rina",
        "S": "Santoso Wijaya Saputra Hidayat Kurniawan Setiawan Pratama Nugroho",
    },
    "thai": {
        "M": "Somchai Somsak Anan Kittisak Prasert Wichai",
        "F": "Siriporn Malee Ratana Suda Pimchanok",
        "S": "Saetang Srisuk Wongsawat Chaiyaphum Boonmee Thongdee",
    },
    "burmese": {
        "M": "Aung Kyaw Zaw Min Htet Thant",
        "F": "Hnin Su Thida Moe Khin",
        "S": "Win Oo Htun Aung Naing Lwin",
    },
    "arabic": {
        "M": "Mohammed Ahmed Abdullah Khalid Omar Youssef Hassan Mahmoud",
        "F": "Fatima Aisha Mariam Noura Huda Layla",
        "S": "Al-Harbi Al-Qahtani Hassan Ibrahim Mahmoud Al-Mansoori Saleh Abdelrahman",
    },
    "russian": {
        "M": "Alexander Sergey Dmitry Andrey Alexey Ivan Mikhail Nikolai Vladimir Pavel",
        "F": "Elena Olga Natalia Anna Tatiana Irina Maria Ekaterina Svetlana Yulia",
        "S": "Ivanov Smirnov Kuznetsov Popov Sokolov Lebedev Kozlov Novikov Morozov Volkov",
    },
    "english": {
        "M": "James John David Michael Robert William Thomas Daniel Paul Mark Peter Richard",
        "F": "Sarah Emma Laura Emily Jessica Sophie Hannah Charlotte Claire Rachel",
        "S": "Smith Jones Williams Brown Taylor Davies Wilson Evans Thomas Johnson Roberts "
        "Walker Wright Robinson Clarke Hughes",
    },
    "german": {
        "M": "Thomas Michael Andreas Stefan Markus Jan Tobias Christian Florian",
        "F": "Anna Julia Katrin Sabine Laura Lena Sandra Nicole",
        "S": "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann",
    },
    "italian": {
        "M": "Marco Luca Giuseppe Andrea Francesco Alessandro Matteo Davide",
        "F": "Giulia Francesca Chiara Sara Valentina Martina Elisa",
        "S": "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco",
    },
    "french": {
        "M": "Pierre Nicolas Julien Antoine Thomas Olivier Laurent",
        "F": "Marie Camille Julie Claire Sophie Isabelle",
        "S": "Martin Bernard Dubois Durand Leroy Moreau Simon Laurent Lefebvre Michel",
    },
    "spanish": {
        "M": "Carlos Javier David Alejandro Pablo Miguel Luis",
        "F": "Lucia Maria Carmen Laura Marta Ana",
        "S": "Garcia Fernandez Gonzalez Rodriguez Lopez Martinez Sanchez Perez Gomez",
    },
    "slavic": {
        "M": "Piotr Tomasz Pavel Jakub Marek Andrei Lukas",
        "F": "Anna Katarzyna Petra Ioana Monika Eva",
        "S": "Nowak Kowalski Novak Svoboda Popescu Wisniewski Dvorak Ionescu",
    },
    "nordic": {
        "M": "Lars Erik Johan Pieter Daan Anders",
        "F": "Emma Sanne Anna Ingrid Lotte Sofia",
        "S": "de Jong Jansen Visser Andersson Johansson Karlsson Nilsson Bakker",
    },
    "japanese": {
        "M": "Hiroshi Takashi Kenji Yuki Daisuke Kenta",
        "F": "Yuko Akiko Naoko Yumi Haruka",
        "S": "Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura",
    },
    "korean": {
        "M": "Minjun Jihoon Hyunwoo Seojun Dongwook",
        "F": "Seoyeon Jiwoo Minji Soyeon Yuna",
        "S": "Kim Lee Park Choi Jung Kang Cho Yoon",
    },
    "turkish": {
        "M": "Mehmet Mustafa Ahmet Emre Burak",
        "F": "Ayse Fatma Elif Zeynep Emine",
        "S": "Yilmaz Kaya Demir Sahin Celik Yildiz",
    },
}

#: Naming tradition of each citizenship (ISO alpha-3); others fall back to "english".
TRADITION: dict[str, str] = {
    "MDV": "maldivian",
    "BGD": "bengali",
    "PAK": "pakistani",
    "IND": "indian",
    "LKA": "sinhala",
    "NPL": "nepali",
    "CHN": "chinese",
    "SGP": "chinese",
    "PHL": "filipino",
    "IDN": "indonesian",
    "MYS": "indonesian",
    "THA": "thai",
    "MMR": "burmese",
    "SAU": "arabic",
    "ARE": "arabic",
    "EGY": "arabic",
    "RUS": "russian",
    "UKR": "russian",
    "KAZ": "russian",
    "GBR": "english",
    "USA": "english",
    "AUS": "english",
    "CAN": "english",
    "ZAF": "english",
    "ISR": "english",
    "DEU": "german",
    "AUT": "german",
    "CHE": "german",
    "ITA": "italian",
    "FRA": "french",
    "BEL": "french",
    "ESP": "spanish",
    "BRA": "spanish",
    "POL": "slavic",
    "CZE": "slavic",
    "ROU": "slavic",
    "NLD": "nordic",
    "SWE": "nordic",
    "JPN": "japanese",
    "KOR": "korean",
    "TUR": "turkish",
}

# Transliteration variants met in South Asian, Maldivian and Russian names.
_VARIANTS: dict[str, tuple[str, ...]] = {
    "Mohamed": ("Mohammed", "Muhammad", "Mohammad", "Mohamad"),
    "Mohammad": ("Mohammed", "Muhammad", "Md", "Mohamad"),
    "Mohammed": ("Mohamed", "Muhammed", "Mohammad"),
    "Muhammad": ("Mohammad", "Muhammed", "Mohammed"),
    "Ahmed": ("Ahmad", "Ahamed"),
    "Ahmad": ("Ahmed",),
    "Hussain": ("Hussein", "Husain", "Hossain"),
    "Hossain": ("Hussain", "Hosain", "Hussein"),
    "Ibrahim": ("Ebrahim", "Ibraheem"),
    "Abdulla": ("Abdullah", "Abdhulla"),
    "Abdullah": ("Abdulla",),
    "Hassan": ("Hasan",),
    "Aishath": ("Aishaath", "Aisha"),
    "Fathimath": ("Fathmath", "Fathima"),
    "Aminath": ("Aminaath", "Aminat"),
    "Mariyam": ("Mariam", "Maryam"),
    "Khadheeja": ("Khadija", "Khadeeja"),
    "Yoosuf": ("Yusuf", "Yoosuff"),
    "Moosa": ("Musa",),
    "Rahman": ("Rahaman", "Rehman"),
    "Uddin": ("Uddeen", "Udin"),
    "Chowdhury": ("Chowdhuri", "Choudhury"),
    "Abdul": ("Abdhul", "Abd"),
    "Habibur": ("Habibar",),
    "Mizanur": ("Mizanoor",),
    "Rafiqul": ("Rafikul",),
    "Shahidul": ("Shahidhul",),
    "Fatema": ("Fatima", "Fathema"),
    "Ayesha": ("Aysha", "Aisha"),
    "Begum": ("Begom",),
    "Miah": ("Mia", "Miya"),
    "Howlader": ("Hawlader",),
    "Bhuiyan": ("Bhuiya", "Bhuyan"),
    "Perera": ("Pereira",),
    "Jayasinghe": ("Jayasingha",),
    "Kumar": ("Kumaar",),
    "Lakshmi": ("Laxmi", "Lakshmy"),
    "Laxmi": ("Lakshmi",),
    "Sergey": ("Sergei",),
    "Dmitry": ("Dmitri", "Dmitriy"),
    "Alexey": ("Aleksei", "Alexei"),
    "Andrey": ("Andrei",),
    "Nikolai": ("Nikolay",),
    "Mikhail": ("Mikhael",),
    "Natalia": ("Natalya",),
    "Tatiana": ("Tatyana",),
    "Ekaterina": ("Yekaterina",),
    "Yulia": ("Julia", "Iuliia"),
    "Müller": ("Mueller", "Muller"),
    "Yildiz": ("Yıldız",),
}


#: Share of people whose name part is one of the tradition's common names (the rest
#: draw from its generated tail). Concentrated naming systems get high shares.
HEAD_SHARE: dict[str, float] = {
    "maldivian": 0.6,
    "bengali": 0.6,
    "pakistani": 0.6,
    "chinese": 0.5,
    "korean": 0.5,
    "burmese": 0.5,
}
DEFAULT_HEAD_SHARE = 0.3

# Traditions whose tail given names join two syllables (Wei + Jun = Weijun).
_SYLLABIC = frozenset({"chinese"})
_VOWELS = frozenset("aeiouyAEIOUY")


def _cuts(name: str) -> list[int]:
    """Where a name may be cut: after a vowel (past the first letter) that a consonant
    follows, so the pieces join like syllables."""
    return [
        k + 1
        for k in range(1, len(name) - 2)
        if name[k] in _VOWELS and name[k + 1].isalpha() and name[k + 1] not in _VOWELS
    ]


def blend(a: str, b: str, which: int = 0) -> str | None:
    """A new name in the style of two others: a start of ``a`` and an end of ``b``
    (``which`` picks among their cut points, first ones first)."""
    starts = [a[:k] for k in _cuts(a)]
    ends = [b[k:] for k in _cuts(b)]
    pairs = [(x, y) for x in starts for y in ends]
    if which >= len(pairs):
        return None
    first, second = pairs[which]
    return first + second


def _tail(tradition: str, part: str) -> list[str]:
    """The generated rarer names of one tradition's name part, in a fixed order."""
    head = _POOLS[tradition][part].split()
    known = {n for pool in _POOLS.values() for p in pool.values() for n in p.split()}
    out: dict[str, None] = {}
    for a in head:
        for b in head:
            if a == b:
                continue
            if tradition in _SYLLABIC and part != "S":
                candidates: list[str | None] = [a + b.lower()]
            else:
                candidates = [blend(a, b, i) for i in range(16)]
            for name in candidates:
                if name and name not in known and 2 < len(name) <= 12:
                    out.setdefault(name, None)
    return list(out)


@dataclass(frozen=True)
class NameBook:
    """All names of all traditions, numbered, with their variants."""

    @cached_property
    def names(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for pool in _POOLS.values():
            for part in pool.values():
                for name in part.split():
                    seen.setdefault(name, None)
        for tradition, pool in _POOLS.items():
            for part in pool:
                for name in _tail(tradition, part):
                    seen.setdefault(name, None)
        for canonical, variants in _VARIANTS.items():
            seen.setdefault(canonical, None)
            for v in variants:
                seen.setdefault(v, None)
        return tuple(seen)

    @cached_property
    def index(self) -> dict[str, int]:
        return {n: i for i, n in enumerate(self.names)}

    def variants_of(self, name: str) -> tuple[str, ...]:
        """The name itself first, then its other transliterations."""
        return (name, *_VARIANTS.get(name, ()))

    @cached_property
    def variant_table(self) -> tuple[pa.Array, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Flat array of every name's variants, with each name's offset and count."""
        flat: list[str] = []
        offset = np.zeros(len(self.names), np.int64)
        count = np.zeros(len(self.names), np.int64)
        for i, n in enumerate(self.names):
            v = self.variants_of(n)
            offset[i], count[i] = len(flat), len(v)
            flat.extend(v)
        return pa.array(flat, pa.string()), offset, count

    def pool(self, tradition: str, part: str) -> npt.NDArray[np.int64]:
        """Name numbers of one tradition's common given names (``M``/``F``) or surnames
        (``S``)."""
        return np.array([self.index[n] for n in _POOLS[tradition][part].split()], np.int64)

    def tail(self, tradition: str, part: str) -> npt.NDArray[np.int64]:
        """Name numbers of the generated rarer names of one tradition's name part."""
        return np.array([self.index[n] for n in _tail(tradition, part)], np.int64)

    def _pick(
        self, rng: np.random.Generator, tradition: str, part: str, k: int
    ) -> npt.NDArray[np.int64]:
        head, tail = self.pool(tradition, part), self.tail(tradition, part)
        from_head = rng.random(k) < HEAD_SHARE.get(tradition, DEFAULT_HEAD_SHARE)
        if not len(tail):
            from_head[:] = True
        picked = head[rng.integers(0, len(head), k)]
        if len(tail):
            picked = np.where(from_head, picked, tail[rng.integers(0, len(tail), k)])
        return picked

    def draw(
        self,
        rng: np.random.Generator,
        citizenship: npt.NDArray[np.str_],
        sex: npt.NDArray[np.str_],
    ) -> dict[str, npt.NDArray[np.int64]]:
        """Name numbers for people: first given name, second (-1 if none) and surname."""
        n = len(citizenship)
        cit_values, cit_index = np.unique(citizenship, return_inverse=True)
        traditions = sorted(_POOLS)
        trad_of_cit = np.array(
            [traditions.index(TRADITION.get(str(c), "english")) for c in cit_values]
        )
        key = trad_of_cit[cit_index] * 2 + (sex == "F")
        order = np.argsort(key, kind="stable")
        bounds = np.searchsorted(key[order], np.arange(len(traditions) * 2 + 1))
        given1 = np.zeros(n, np.int64)
        given2 = np.full(n, -1, np.int64)
        surname = np.zeros(n, np.int64)
        for g in range(len(traditions) * 2):
            rows = order[bounds[g] : bounds[g + 1]]
            k = len(rows)
            if not k:
                continue
            t, s = traditions[g // 2], "MF"[g % 2]
            given1[rows] = self._pick(rng, t, s, k)
            # South Asian and Maldivian names often carry a second given name.
            two = rng.random(k) < (0.3 if t in ("bengali", "maldivian", "indian") else 0.05)
            second = self._pick(rng, t, s, k)
            given2[rows] = np.where(two & (second != given1[rows]), second, -1)
            surname[rows] = self._pick(rng, t, "S", k)
        return {"given1": given1, "given2": given2, "surname": surname}

    def render(
        self,
        rng: np.random.Generator,
        name_ids: npt.NDArray[np.int64],
        use_variant: npt.NDArray[np.bool_],
    ) -> pa.Array:
        """Strings for name numbers (-1 gives ""), a variant spelling where asked."""
        flat, offset, count = self.variant_table
        ids = np.maximum(name_ids, 0)
        k = np.where(
            use_variant & (count[ids] > 1),
            1 + (rng.random(len(ids)) * np.maximum(count[ids] - 1, 1)).astype(np.int64),
            0,
        )
        out = pc.take(flat, pa.array(offset[ids] + k))
        return pc.if_else(pa.array(name_ids < 0), pa.scalar("", pa.string()), out)


def full_name(given1: pa.Array, given2: pa.Array, surname: pa.Array, order: str) -> pa.Array:
    """Join name parts: ``order`` "given-first" or "surname-first"; empty parts vanish."""
    given = pc.binary_join_element_wise(given1, given2, " ")
    given = pc.utf8_trim(given, " ")
    if order == "surname-first":
        return pc.utf8_trim(pc.binary_join_element_wise(surname, given, " "), " ")
    return pc.utf8_trim(pc.binary_join_element_wise(given, surname, " "), " ")


def typo(rng: np.random.Generator, text: list[str]) -> list[str]:
    """One keying error per string: a letter dropped, doubled, swapped or replaced.

    Called only on the few records chosen for an error, so a loop is fine here.
    """
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = []
    kinds = rng.integers(0, 4, len(text))
    spots = rng.random(len(text))
    subs = rng.integers(0, 26, len(text))
    for s, kind, spot, sub in zip(text, kinds, spots, subs, strict=True):
        if len(s) < 3:
            out.append(s)
            continue
        i = 1 + int(spot * (len(s) - 2))
        if kind == 0:
            s = s[:i] + s[i + 1 :]
        elif kind == 1:
            s = s[:i] + s[i] + s[i:]
        elif kind == 2:
            s = s[: i - 1] + s[i] + s[i - 1] + s[i + 1 :]
        else:
            c = letters[sub]
            s = s[:i] + (c.upper() if s[i].isupper() else c) + s[i + 1 :]
        out.append(s)
    return out
