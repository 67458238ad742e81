"""Umbrella Faces: a traveller's profile, linked once over OAuth 2.0.

Faces plays the accounts role only: it books nothing, it tells every booking
flow who the traveller is. ``config`` reads ``FACES_*``, ``oauth`` speaks the
token endpoint, ``idtoken`` checks ID tokens against the certificate in the
SAML metadata, ``client`` is the Profiles on Demand API, ``adapter`` maps it
onto the accounts role and ``simulator`` is the local stand-in for tests and
the demo. Nothing heavy is imported here so a disabled vendor costs nothing.
"""
