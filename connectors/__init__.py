"""Connectors: everything that talks to an ad platform or reads its exports.

Data flows one way: a connector yields records (``connectors.base``) that the
store saves; the apply step sends changes back through the same connector.
``connectors`` imports nothing from ``optimizer``.
"""
