"""FileVirtuelle: virtual queues in stores (public API v2).

The adapter (:mod:`.adapter`) implements :class:`bot.vendors.QueueRole`;
everything protocol-specific (signing, search engine, request budget, error
names) stays inside this package.
"""
