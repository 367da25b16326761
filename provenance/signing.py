"""Content Credentials on what the service produces: the evidence picture of a check is
signed with the newsroom's own key (c2pa-python), so that a reader who verifies it sees
who produced the verification and that the picture was not changed since.

A signing failure is a setup error (bad key or certificate), raised when the signer is
made at start-up, not on the first check.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import c2pa
from PIL import Image

from provenance import __version__
from provenance.errors import ProvenanceError

COMPOSITE = "http://cv.iptc.org/newscodes/digitalsourcetype/composite"
"""IPTC digital source type: a composite of several elements (original, copy, heat map)."""
_CREATED = {"action": "c2pa.created", "digitalSourceType": COMPOSITE}


class SigningError(ProvenanceError):
    code = "signing_failed"


@dataclass(frozen=True)
class EvidenceSigner:
    """Signs PNG evidence pictures with one certificate chain and key (ES256, ES384, PS256...)."""

    cert_chain: bytes
    private_key: bytes
    algorithm: str = "es256"

    @classmethod
    def from_pem(cls, cert_chain: bytes, private_key: bytes) -> EvidenceSigner:
        """A signer known to work: it signs a one-pixel picture before it is handed out."""
        signer = cls(cert_chain, private_key, _algorithm(private_key))
        probe = io.BytesIO()
        Image.new("L", (1, 1)).save(probe, "PNG")
        signer.sign(probe.getvalue(), "probe")
        return signer

    def sign(self, png: bytes, title: str) -> bytes:
        manifest = {
            "claim_generator_info": [{"name": "provenance", "version": __version__}],
            "title": title,
            "format": "image/png",
            "assertions": [{"label": "c2pa.actions", "data": {"actions": [_CREATED]}}],
        }
        try:
            signer = c2pa.Signer.from_info(
                c2pa.C2paSignerInfo(self.algorithm.encode(), self.cert_chain, self.private_key, None)
            )
            try:
                signed = io.BytesIO()
                c2pa.Builder(manifest).sign(signer, "image/png", io.BytesIO(png), signed)
            finally:
                signer.close()
        except Exception as exc:  # the native library raises its own kinds for a bad key or chain
            raise SigningError(f"cannot sign the evidence picture: {exc}") from exc
        return signed.getvalue()


def _algorithm(private_key: bytes) -> str:
    """ES256 for an elliptic-curve P-256 key, PS256 for RSA, Ed25519 for Ed25519 keys."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(private_key, password=None)
    except (ValueError, TypeError) as exc:
        raise SigningError(f"the signing key is not an unencrypted PEM private key: {exc}") from exc
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}.get(key.curve.name, "es256")
    if isinstance(key, rsa.RSAPrivateKey):
        return "ps256"
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    raise SigningError("the signing key must be EC (P-256/384/521), RSA or Ed25519")
