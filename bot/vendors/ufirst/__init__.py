"""ufirst Business API: reservations at ufirst points on behalf of our users.

``config`` reads ``UFIRST_*``, ``client`` speaks the HTTP protocol, ``adapter``
maps it onto :class:`bot.vendors.BookingRole`, ``simulator`` is
the local stand-in used by tests and the demo. Import submodules directly;
nothing heavy is imported here so a disabled vendor costs nothing.
"""
