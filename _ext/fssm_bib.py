"""Author-year citations whose reference lists use the same author-year labels (Sphinx extension).

The book cites with sphinxcontrib-bibtex's author-year style ("Gu et al., 2022"), whose reference lists
default to alpha labels ("[GGRe22]"), so text and list did not match, and two works of the same first
author and year read alike. This extension
- labels list entries "Gu et al., 2022a", sorted by author and year (pybtex style `fssm_authoryear`);
- appends an entry's `yearsuffix` field (a, b, ...; set in references.bib for same-author-same-year works)
  to the year of in-text citations too, so that both say "2022a".
"""
from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting import BaseSortingStyle
from pybtex.style.template import field, first_of, join, node, optional


def _last_names(entry):
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    return [Text.from_latex(" ".join(p.last_names)).render_as("text") for p in people]


def author_year_label(entry) -> str:
    """'Gu et al., 2022a', 'Oppenheim and Schafer, 2010', 'Krizhevsky, 2009': the in-text form."""
    names = _last_names(entry)
    who = (names[0] if len(names) == 1 else f"{names[0]} and {names[1]}" if len(names) == 2
           else f"{names[0]} et al." if names else entry.fields.get("title", entry.key))
    return f"{who}, {entry.fields.get('year', 'n.d.')}{entry.fields.get('yearsuffix', '')}"


class AuthorYearLabelStyle(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield author_year_label(entry)


class AuthorYearSorting(BaseSortingStyle):
    """By first author, then year and suffix: the order of the labels, so 2022a precedes 2022b."""

    def sorting_key(self, entry):
        names = _last_names(entry)
        return (names[0] if names else "", entry.fields.get("year", ""), entry.fields.get("yearsuffix", ""),
                entry.fields.get("title", ""))


class AuthorYearStyle(UnsrtStyle):
    default_label_style = AuthorYearLabelStyle
    default_sorting_style = AuthorYearSorting


@node
def year_with_suffix(children, data):
    """The year of an in-text citation, followed by the entry's `yearsuffix` (if any)."""
    assert not children
    return join[first_of[optional[field("year")], "n.d."], optional[field("yearsuffix")]].format_data(data)


def setup(app):
    register_plugin("pybtex.style.formatting", "fssm_authoryear", AuthorYearStyle)
    from sphinxcontrib.bibtex.style.referencing import basic_author_year

    basic_author_year.year = year_with_suffix  # read when a citation is formatted, so this takes effect
    return {"parallel_read_safe": True, "parallel_write_safe": True}
