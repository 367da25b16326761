"""Errors raised while decoding image bytes.

`hashes` knows nothing of the domain, so it has its own small hierarchy; the
domain maps it onto `provenance.errors` at its boundary.
"""


class ImageError(Exception):
    """The bytes could not be turned into an image."""

    code = "invalid_image"


class UnsupportedFormat(ImageError):
    code = "unsupported_format"


class CorruptImage(ImageError):
    code = "corrupt_image"


class LimitExceeded(ImageError):
    code = "limit_exceeded"
