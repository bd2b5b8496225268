"""Shared API pieces: bounded pagination."""

from rest_framework.pagination import PageNumberPagination


class BoundedPagination(PageNumberPagination):
    """Page-number pagination whose page size the client may choose, up to a hard bound."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
