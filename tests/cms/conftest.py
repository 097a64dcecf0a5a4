"""The agency site and blog fixtures, for the URL tests that link pages across sites."""

from tests.blog.conftest import agency_blog, agency_home  # noqa: F401  (shared fixtures)
