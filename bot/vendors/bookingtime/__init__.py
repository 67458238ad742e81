"""bookingtime Module API: appointments at bookingtime organizations.

``config`` reads ``BOOKINGTIME_*``, ``client`` speaks the HTTP protocol
(two-step OAuth tokens, ``messageList`` errors), ``adapter`` maps it onto
:class:`bot.vendors.BookingRole`, ``simulator`` is the local
stand-in used by tests and the demo. Import submodules directly; nothing
heavy is imported here so a disabled vendor costs nothing.
"""
