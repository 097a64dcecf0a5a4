"""Wagtail's database search backend, with search terms that cannot break SQLite's query syntax.

On SQLite (the embedded default), django-modelsearch puts each search word between double quotes
in an FTS5 query without escaping the double quotes the word itself contains: a visitor searching
the news for `"` got a 500 ("unterminated string"), and so did the admin's page chooser. Here a
double quote inside a word is escaped as FTS5 wants (doubled), and words made of punctuation only
are left out, as the index never holds them. PostgreSQL and the fallback backend are untouched.
"""

from __future__ import annotations

from modelsearch.backends.database import SearchBackend as database_backend
from modelsearch.backends.database.sqlite.sqlite import (
    SQLiteAutocompleteQueryCompiler,
    SQLiteSearchBackend,
    SQLiteSearchQueryCompiler,
)
from modelsearch.query import Phrase, PlainText


def _fts5_terms(text: str) -> str:
    terms = [term.replace('"', '""') for term in text.split()]
    words = [term for term in terms if any(char.isalnum() for char in term)]
    return " ".join(words or terms)


class QuoteSafeQueryMixin:
    def build_search_query_content(self, query, config=None):
        if isinstance(query, PlainText):
            query = PlainText(_fts5_terms(query.query_string), query.operator, query.boost)
        elif isinstance(query, Phrase):
            query = Phrase(query.query_string.replace('"', '""'))
        return super().build_search_query_content(query, config=config)


class QuoteSafeSearchQueryCompiler(QuoteSafeQueryMixin, SQLiteSearchQueryCompiler):
    pass


class QuoteSafeAutocompleteQueryCompiler(QuoteSafeQueryMixin, SQLiteAutocompleteQueryCompiler):
    pass


class QuoteSafeSQLiteSearchBackend(SQLiteSearchBackend):
    query_compiler_class = QuoteSafeSearchQueryCompiler
    autocomplete_query_compiler_class = QuoteSafeAutocompleteQueryCompiler


def SearchBackend(params):  # noqa: N802 - the name Wagtail looks up in a backend module
    backend = database_backend(params)
    if isinstance(backend, SQLiteSearchBackend):
        return QuoteSafeSQLiteSearchBackend(params)
    return backend
