"""A Telegram booking bot: appointments, timeslots and virtual queues.

Layout: ``app`` runs the Telegram application and web server; ``conversations``
holds one handler module per feature; ``vendors`` the vendor-neutral
interface with one subpackage per backend (adapter and simulator side by
side); ``storage`` SQLite repositories and persistence; ``i18n`` catalogs and
formatting; ``fake_telegram`` and ``sandbox`` the local world for tests and
the demo.
"""
