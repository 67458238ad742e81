"""The local world: fake Telegram plus every vendor simulator, on loopback.

Used by ``python -m bot sandbox`` (to run the real bot against it), by
``python -m bot demo`` (everything in one process with a terminal chat) and
by the end-to-end tests.
"""
