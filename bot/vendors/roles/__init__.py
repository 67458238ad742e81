"""The roles a vendor plays, each a small abstract class with its models.

=========== =================================================================
catalogue   sites and the services offered at each
booking     open days, slots, required details, book, list, cancel, move
queue       virtual queues: sites, choices, join, leave, snapshots, desks
accounts    a linked OAuth profile: link, exchange, refresh, profile, unlink
spaces      buildings, rooms and desks with capacity, busy intervals
events      subscriptions the vendor calls back on, read as "re-read this"
reports     daily figures for staff
=========== =================================================================

Everything public here is re-exported by :mod:`bot.vendors`; features
import it from there, adapters from the role modules.
"""
