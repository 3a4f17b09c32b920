"""A Haystack engine that answers Oscar's product searches straight from the database.

Oscar 4.2 lists products (catalogue home, categories, search) only through Haystack. Haystack's
``simple`` engine, which Oscar's docs suggest for a start, flattens the structured filters of
Oscar's base query (``is_public``, ``structure__in``, ``category__in``) into one string, searches
it word by word and keeps only the last word's matches: the catalogue comes out empty. Solr or
Whoosh would need a server or an index to build and keep fresh.

This engine keeps Haystack's query tree and turns it into a Django ``Q`` over Oscar's browsable
products instead, so nothing needs indexing (``HAYSTACK_SIGNAL_PROCESSOR`` can stay the no-op
base processor). It understands what Oscar's views and forms send: free text (``content``, an
``AutoQuery`` from the search box), the index fields that mirror model fields, the category
filter, sorting (newest, title, price, rating) and paging. Facets and "more like this" are not
supported (no facet counts are returned, so Oscar shows no facet filters).
"""

from __future__ import annotations

import logging

from django.db.models import Min, Q
from haystack.backends import SearchNode
from haystack.backends.simple_backend import (
    SimpleEngine,
    SimpleSearchBackend,
    SimpleSearchQuery,
)
from haystack.constants import FILTER_SEPARATOR, VALID_FILTERS
from haystack.models import SearchResult
from haystack.utils import get_model_ct_tuple
from oscar.core.loading import get_model

logger = logging.getLogger(__name__)

# Index field of Oscar's ProductIndex -> model lookup.
FIELDS = {
    "upc": "upc",
    "title": "title",
    "title_exact": "title",
    "product_class": "product_class__name",
    "category": "categories",
    "rating": "rating",
    "date_created": "date_created",
    "date_updated": "date_updated",
    "is_public": "is_public",
    "structure": "structure",
}
# Haystack filter type -> Django lookup.
LOOKUPS = {
    "content": "icontains",
    "contains": "icontains",
    "fuzzy": "icontains",
    "exact": "iexact",
    "startswith": "istartswith",
    "endswith": "iendswith",
    "in": "in",
    "range": "range",
    "gt": "gt",
    "gte": "gte",
    "lt": "lt",
    "lte": "lte",
}
# Sort field -> model ordering.
ORDERING = {
    "title_exact": "title",
    "title_s": "title",
    "title": "title",
    "price": "min_price",
    "rating": "rating",
    "date_created": "date_created",
    "date_updated": "date_updated",
}
TEXT_FIELDS = ("title", "upc", "description", "categories__name")
DEFAULT_ORDERING = ("title", "pk")


def _raw(value):
    """The plain value behind Haystack inputs such as ``AutoQuery``, ``Exact`` or ``Clean``."""
    return getattr(value, "query_string", value)


def _boolean(value):
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value)


def text_query(text: str) -> Q:
    """Every word must appear in the title, UPC, description or a category name ("-" excludes)."""
    query = Q()
    for word in str(text).split():
        negate = word.startswith("-") and len(word) > 1
        word = word.lstrip("-").strip("\"'")
        if not word:
            continue
        matches = Q()
        for field in TEXT_FIELDS:
            matches |= Q(**{f"{field}__icontains": word})
        query &= ~matches if negate else matches
    return query


def condition(expression: str, value) -> Q:
    """One Haystack condition (``"category__in"``, ``[3, 4]``) as a Django ``Q``."""
    parts = expression.split(FILTER_SEPARATOR)
    filter_type = parts.pop() if len(parts) > 1 and parts[-1] in VALID_FILTERS else "content"
    field = FILTER_SEPARATOR.join(parts)
    value = _raw(value)

    if field in {"content", "text"}:
        return text_query(value)
    if field not in FIELDS:
        logger.debug("Ignoring search filter on unknown field %r", field)
        return Q()
    if field == "is_public":
        return Q(is_public=_boolean(value))
    lookup = LOOKUPS.get(filter_type, "exact")
    if lookup in {"in", "range"}:
        value = [_raw(item) for item in value]
    return Q(**{f"{FIELDS[field]}__{lookup}": value})


def node_to_q(node: SearchNode) -> Q:
    query = Q()
    for child in node.children:
        part = node_to_q(child) if isinstance(child, SearchNode) else condition(*child)
        query = query | part if node.connector == SearchNode.OR else query & part
    return ~query if node.negated and query else query


class DatabaseSearchBackend(SimpleSearchBackend):
    def search(
        self,
        query_string,
        query_filter=None,
        sort_by=None,
        start_offset=0,
        end_offset=None,
        models=None,
        result_class=None,
        **kwargs,
    ):
        Product = get_model("catalogue", "Product")
        if models and Product not in models:
            return {"results": [], "hits": 0}

        products = Product.objects.browsable().base_queryset()
        if query_filter is not None:
            products = products.filter(node_to_q(query_filter))
        if query_string and query_filter is None and query_string != "*":
            products = products.filter(text_query(query_string))
        products = products.distinct()

        ordering = []
        for field in sort_by or ():
            descending = field.startswith("-")
            name = ORDERING.get(field.lstrip("-"))
            if name is None:
                continue
            if name == "min_price":
                products = products.annotate(min_price=Min("stockrecords__price"))
            ordering.append(f"-{name}" if descending else name)
        products = products.order_by(*ordering, *DEFAULT_ORDERING)

        hits = products.count()
        result_class = result_class or SearchResult
        results = []
        for product in products[start_offset:end_offset]:
            app_label, model_name = get_model_ct_tuple(product)
            result = result_class(app_label, model_name, product.pk, 0)
            result._model = product.__class__
            result._object = product
            results.append(result)
        return {"results": results, "hits": hits}


class DatabaseSearchQuery(SimpleSearchQuery):
    def build_params(self, spelling_query=None):
        params = super().build_params(spelling_query=spelling_query)
        params["query_filter"] = self.query_filter
        return params


class DatabaseEngine(SimpleEngine):
    backend = DatabaseSearchBackend
    query = DatabaseSearchQuery
