"""The simulator's signing key and the SAML metadata that publishes it."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import quoteattr

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


class SigningKey:
    """An RSA key with a self-signed certificate, as a SAML service provider has."""

    def __init__(self, common_name: str = "faces-simulator") -> None:
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = datetime.now(timezone.utc)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(self.private.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365))
            .sign(self.private, hashes.SHA256())
        )

    _shared: SigningKey | None = None

    @classmethod
    def shared(cls) -> SigningKey:
        """One key for every simulator of the process: generating an RSA key
        costs most of a second on a busy machine, and each test world starts
        a simulator. Tests that need another key make one."""
        if cls._shared is None:
            cls._shared = cls()
        return cls._shared

    def pem(self) -> bytes:
        return self.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def der_base64(self) -> str:
        return base64.b64encode(self.certificate.public_bytes(serialization.Encoding.DER)).decode()


def metadata(entity_id: str, acs_url: str, keys: list[SigningKey]) -> str:
    """A SAML 2.0 SP metadata document with one signing KeyDescriptor per key."""
    descriptors = "".join(
        '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
        f"{key.der_base64()}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
        "</md:KeyDescriptor>"
        for key in keys
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"'
        f' xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID={quoteattr(entity_id)}>'
        '<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"'
        ' AuthnRequestsSigned="true" WantAssertionsSigned="true">'
        f"{descriptors}"
        '<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"'
        f" Location={quoteattr(acs_url)} index=\"0\"/>"
        "</md:SPSSODescriptor></md:EntityDescriptor>"
    )
