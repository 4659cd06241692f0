"""The place search's index: names folded as riders type them, found whole, by their start,
by a word's start, by any part, or with one typo; ranked by how they match, by the size of
the place, by nearness to the map's centre and by length.

Built once per region from flat numpy arrays; a query touches only the names that share its
first two letters (a bigram index into one long text of all names), so it costs well under a
millisecond on 10,000s of names, with no Python loop over them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence

import numpy as np

#: how a name matches a query, best first
EXACT, PREFIX, WORD, CONTAINS, TYPO = range(5)
#: queries shorter than this match only at the start of a word (two letters are in
#: thousands of names), and one typo is tolerated from TYPO_MIN letters on
CONTAINS_MIN, TYPO_MIN = 3, 4
#: one typo is looked for in this many characters from each word's start
_WINDOW = 24
_SPACE = ord(" ")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
#: street words riders abbreviate: "Hauptstraße" and "Hauptstr.", "Main Street" and "Main St"
_ABBREVIATIONS = ((re.compile(r"stra(?:ss|ß)e\b"), "str"), (re.compile(r"\bstreet\b"), "st"),
                  (re.compile(r"\broad\b"), "rd"), (re.compile(r"\bavenue\b"), "ave"))
_KM_PER_DEG = 111.2


def fold(text: str, umlauts: bool = False, abbreviate: bool = True) -> str:
    """A name as the search compares it: no case, accents or punctuation, ß as ss, and the
    street words "straße/strasse", "street", "road" and "avenue" as "str", "st", "rd" and
    "ave" (unless ``abbreviate`` is False). ``umlauts``: ä, ö, ü as ae, oe, ue (as German
    is written without them) instead of a, o, u."""
    t = unicodedata.normalize("NFC", text).casefold()
    if umlauts:
        t = t.translate(_UMLAUTS)
    t = unicodedata.normalize("NFKD", t)
    t = "".join(c for c in t if not unicodedata.combining(c))
    t = " ".join(re.sub(r"[^\w]+", " ", t).split())
    if abbreviate:
        for pattern, short in _ABBREVIATIONS:
            t = pattern.sub(short, t)
    return t


def name_keys(name: str) -> list[str]:
    """Every form a name is found by: with umlauts as a/o/u and as ae/oe/ue, and street words
    abbreviated and written out (so "Hauptstras" finds "Hauptstraße" while it is typed)."""
    forms = (fold(name, u, a) for u in (False, True) for a in (True, False))
    return [f for f in dict.fromkeys(forms) if f]


def query_keys(query: str) -> list[str]:
    """The forms of a query: "München" looks for "munchen" and "muenchen", so "Munchen",
    "Muenchen" and "München" all find "München"; "Mueller" finds "Müller" the same way.
    Street words are looked for short and long ("road" finds "Main Road" and "Roadside")."""
    forms = (fold(query, u, a) for u in (False, True) for a in (True, False))
    return [f for f in dict.fromkeys(forms) if f]


class PlaceIndex:
    """Search over named entries.

    Parameters
    ----------
    names
        Each entry's names (its name first, then other names it is found by).
    tier
        Each entry's size class, 0 = largest (a city) (ranks after the match).
    lat, lon
        Each entry's position (nearness to the map's centre ranks after the tier).
    """

    def __init__(self, names: Sequence[Sequence[str]], tier: np.ndarray, lat: np.ndarray,
                 lon: np.ndarray) -> None:
        keys: list[str] = []
        owner: list[int] = []
        for i, ns in enumerate(names):
            forms = list(dict.fromkeys(k for n in ns for k in name_keys(n)))
            keys += forms
            owner += [i] * len(forms)
        self.n = len(names)
        self.keys = keys  #: every entry's search forms (see :func:`name_keys`)
        self.lat = np.asarray(lat, dtype=np.float64)
        self.lon = np.asarray(lon, dtype=np.float64)
        self.key_entry = np.asarray(owner, dtype=np.int64)
        self.key_len = np.array([len(k) for k in keys], dtype=np.int64)
        # one text: "\0key\0key\0...", padded so a query never reads past the end
        text = "\0" + "\0".join(keys) + "\0" * 128
        self.codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        self.key_start = np.r_[0, np.cumsum(self.key_len + 1)][:-1] + 1
        # bigram index: the positions of each pair of characters, in text order
        pairs = (self.codes[:-1].astype(np.uint64) << np.uint64(32)) | self.codes[1:]
        order = np.argsort(pairs, kind="stable")
        self.bigram, first = np.unique(pairs[order], return_index=True)
        self.bigram_from = np.r_[first, len(order)].astype(np.int64)
        self.bigram_pos = order.astype(np.int64)
        # the static part of each entry's rank: size class, length of its name, its index
        self.tier = np.asarray(tier, dtype=np.int64).clip(0, 15)
        self.length = np.array([len(fold(ns[0])) if ns else 0 for ns in names],
                               dtype=np.int64).clip(0, 1023)
        self.static = (self.tier << 56) | (self.length << 41) | np.arange(self.n, dtype=np.int64)
        self._windows(keys)

    @property
    def nbytes(self) -> int:
        """The arrays' size in bytes."""
        return sum(a.nbytes for a in (self.lat, self.lon, self.key_entry, self.key_len,
                                      self.codes, self.key_start, self.bigram,
                                      self.bigram_from, self.bigram_pos, self.static,
                                      self.win, self.win_keys, self.win_from,
                                      *self.pair_order, *self.pair_sorted))

    def _windows(self, keys: list[str]) -> None:
        """Each word's start and what follows it (``_WINDOW`` characters), once per
        distinct text, with the keys it occurs in: what one typo is looked for in."""
        where: dict[str, list[int]] = {}
        for k, key in enumerate(keys):
            for m in re.finditer(r"(?:^| )(?=\w)", key):
                where.setdefault(key[m.end():m.end() + _WINDOW], []).append(k)
        texts = list(where)
        w = np.zeros((len(texts), _WINDOW), dtype=np.uint32)
        for r, t in enumerate(texts):
            w[r, :len(t)] = [ord(c) for c in t]
        self.win = w
        self.win_keys = np.concatenate([np.array(v, dtype=np.int64) for v in where.values()]
                                       ) if where else np.zeros(0, np.int64)
        self.win_from = np.r_[0, np.cumsum([len(v) for v in where.values()])].astype(np.int64)
        # rows by the pair of characters at 0-1, 1-2, 2-3 and 3-4 (one edit leaves one of
        # the query's first pairs in one of these places: see _typo_candidates)
        pairs = [(w[:, c].astype(np.uint64) << np.uint64(32)) | w[:, c + 1] for c in range(4)]
        self.pair_order = [np.argsort(b, kind="stable") for b in pairs]
        self.pair_sorted = [b[o] for b, o in zip(pairs, self.pair_order, strict=True)]

    # -- queries ---------------------------------------------------------------------------
    def ranked(self, query: str, centre: tuple[float, float]) -> Iterator[tuple[int, int]]:
        """(entry, how it matches) best first: exact names, then names starting with the
        query, then names with a word starting with it, then names containing it (from
        ``CONTAINS_MIN`` letters on); each class by size (tier), by nearness to ``centre``
        in doubling distance bands (0-1 km, 1-3, 3-7, 7-15, ...), by length; then, only
        when the caller reads on, names within one typo (from ``TYPO_MIN`` letters)."""
        forms = query_keys(query)
        if not forms:
            return
        entries, hows = self._substring(forms)
        yield from self._in_order(entries, hows, centre)
        forms = [f for f in forms if TYPO_MIN <= len(f) < _WINDOW]
        if not forms:
            return
        more = np.setdiff1d(self._typo(forms), entries, assume_unique=True)
        yield from self._in_order(more, np.full(len(more), TYPO, dtype=np.int64), centre)

    def _in_order(self, entries: np.ndarray, hows: np.ndarray, centre: tuple[float, float],
                  head: int = 32) -> Iterator[tuple[int, int]]:
        """The entries by rank: the best ``head`` first (a partial sort: a short query's
        thousands of matches are mostly never read), then the rest."""
        k = np.cos(np.radians(centre[0]))
        d = np.hypot(self.lat[entries] - centre[0], (self.lon[entries] - centre[1]) * k)
        band = np.floor(np.log2(1.0 + d * _KM_PER_DEG)).astype(np.int64).clip(0, 31)
        score = (hows << 60) | (band << 51) | self.static[entries]  # unique: ends in the entry
        first = np.arange(len(score))
        if len(score) > 2 * head:
            first = np.argpartition(score, head)[:head]
        first = first[np.argsort(score[first])]
        yield from zip(entries[first].tolist(), hows[first].tolist(), strict=True)
        if len(first) < len(score):
            rest = np.flatnonzero(score > score[first[-1]])
            rest = rest[np.argsort(score[rest])]
            yield from zip(entries[rest].tolist(), hows[rest].tolist(), strict=True)

    def _find(self, form: str) -> np.ndarray:
        """Text positions where ``form`` occurs."""
        c = [ord(ch) for ch in form]
        if len(c) == 1:
            return np.flatnonzero(self.codes == c[0])
        j = int(np.searchsorted(self.bigram, np.uint64((c[0] << 32) | c[1])))
        if j == len(self.bigram) or self.bigram[j] != (c[0] << 32) | c[1]:
            return np.zeros(0, dtype=np.int64)
        pos = self.bigram_pos[self.bigram_from[j]:self.bigram_from[j + 1]]
        for off, ch in enumerate(c[2:], 2):
            pos = pos[self.codes[pos + off] == ch]
        return pos

    def _substring(self, forms: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Entries matching any form, each with its best way of matching (sorted by entry)."""
        found = []
        for f in forms:
            pos = self._find(f)
            key = np.searchsorted(self.key_start, pos, side="right") - 1
            at = pos - self.key_start[key]
            how = np.where(at == 0, np.where(self.key_len[key] == len(f), EXACT, PREFIX),
                           np.where(self.codes[pos - 1] == _SPACE, WORD, CONTAINS))
            if len(f) < CONTAINS_MIN:
                key, how = key[how < CONTAINS], how[how < CONTAINS]
            found.append((self.key_entry[key] << 3) | how)
        best = np.unique(np.concatenate(found))  # by entry, then how: the first is the best
        first = np.r_[True, (best[1:] >> 3) != (best[:-1] >> 3)] if len(best) else best > 0
        best = best[first]
        return best >> 3, best & 7

    def _typo(self, forms: list[str]) -> np.ndarray:
        """Entries with a word whose start is one edit (a letter wrong, missing, added, or
        two swapped) from a form, sorted."""
        rows = []
        for f in forms:
            q = np.array([ord(ch) for ch in f], dtype=np.uint32)
            cand = self._typo_candidates(q)
            hit = _one_edit_prefix(self.win[cand, :len(q) + 1], q)
            rows.append(cand[hit])
        hit = np.unique(np.concatenate(rows))
        start, n = self.win_from[hit], np.diff(self.win_from)[hit]
        # each window's keys (a CSR slice per window), gathered at once
        at = np.repeat(start - np.r_[0, np.cumsum(n)[:-1]], n) + np.arange(n.sum())
        return np.unique(self.key_entry[self.win_keys[at]])

    def _typo_candidates(self, q: np.ndarray) -> np.ndarray:
        """Windows that may start with ``q`` (4 letters or more) changed by one edit: an
        edit after the second letter keeps the first pair in place (0-1); one in the first
        two letters keeps the third and fourth, shifted by at most one (1-2, 2-3 or 3-4);
        the second and third swapped leave them swapped at 1-2."""
        a, b, c, d = (int(x) for x in q[:4])
        out = []
        for col, x, y in ((0, a, b), (1, c, d), (2, c, d), (3, c, d), (1, c, b)):
            code = np.uint64((x << 32) | y)
            srt = self.pair_sorted[col]
            lo, hi = np.searchsorted(srt, code, "left"), np.searchsorted(srt, code, "right")
            out.append(self.pair_order[col][lo:hi])
        return np.unique(np.concatenate(out))


def _one_edit_prefix(w: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Rows of ``w`` (characters, 0-padded; at least ``len(q) + 1`` columns) that start with
    ``q`` changed by at most one edit: a letter substituted, inserted or deleted, or two
    neighbours swapped (Damerau-Levenshtein distance 1 to a prefix)."""
    m = len(q)
    eq = w[:, :m] == q
    common = np.where(eq.all(axis=1), m, np.argmin(eq, axis=1))  # length of the common start
    wrong = m - eq.sum(axis=1)
    sub = wrong <= 1
    # the row has one letter more than the query at i: w[i+1:m+1] == q[i:], w[:i] == q[:i]
    ok = w[:, 1:m + 1] == q
    last_bad = np.where(ok.all(axis=1), -1, m - 1 - np.argmin(ok[:, ::-1], axis=1))
    extra = last_bad + 1 <= common
    # the query has one letter more at i: w[i:m-1] == q[i+1:], w[:i] == q[:i]
    ok = w[:, :m - 1] == q[1:]
    last_bad = np.where(ok.all(axis=1), -1, m - 2 - np.argmin(ok[:, ::-1], axis=1))
    missing = last_bad + 1 <= np.minimum(common, m - 1)
    # two neighbours swapped at the first difference
    i = np.minimum(common, m - 2)
    r = np.arange(len(w))
    swap = ((wrong == 2) & (common <= m - 2) & (w[r, i] == q[np.minimum(i + 1, m - 1)])
            & (w[r, i + 1] == q[i]))
    return np.asarray(sub | extra | missing | swap)
