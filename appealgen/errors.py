"""One root exception with typed subclasses; translated to exit codes / HTTP only at the edges."""

from __future__ import annotations


class AppealgenError(Exception):
    """Root of every error appealgen raises on purpose."""

    exit_code = 1
    http_status = 500
    title = "Internal error"

    def __init__(self, message: str, **fields: object) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields

    def one_line(self) -> str:
        """The message on a single line, for stderr and problem JSON."""
        return " ".join(self.message.split())


class InputError(AppealgenError):
    """The caller gave something unusable (bad file, bad facts, bad option)."""

    exit_code = 2
    http_status = 422
    title = "Invalid input"


class DocumentError(InputError):
    """An input document cannot be read."""

    title = "Unreadable document"


class EmptyDocumentError(DocumentError):
    """The document is empty or has no text."""


class UnsupportedFormatError(DocumentError):
    """The file is not a PDF or text document."""

    http_status = 415
    title = "Unsupported file type"


class EncryptedPdfError(DocumentError):
    """The PDF is password-protected."""


class ImageOnlyPdfError(DocumentError):
    """The PDF has no text layer and OCR is not available."""


class MalformedPdfError(DocumentError):
    """The PDF is corrupt or truncated."""


class LimitExceededError(DocumentError):
    """The document exceeds a size, page, time or memory limit."""

    http_status = 413
    title = "Document too large"


class MediaTypeError(InputError):
    """A request body is neither multipart/form-data nor JSON."""

    http_status = 415
    title = "Unsupported media type"


class IdempotencyKeyReusedError(InputError):
    """An Idempotency-Key was sent again with a different request."""

    title = "Idempotency-Key reused"


class FactsError(InputError):
    """Patient facts are not valid."""

    title = "Invalid patient facts"


class KnowledgeError(AppealgenError):
    """Structured domain data (criteria, rules, payers) is invalid or missing."""

    exit_code = 1
    title = "Invalid knowledge data"


class DependencyError(AppealgenError):
    """A component appealgen relies on failed (index, LLM endpoint, store)."""

    exit_code = 3
    http_status = 503
    title = "Dependency unavailable"


class IndexMissingError(DependencyError):
    """The retrieval index has not been built or is corrupt."""


class IndexModelMismatchError(DependencyError):
    """The index was built with another embedding model."""


class LLMError(DependencyError):
    """The configured LLM endpoint failed or returned unusable output."""


class AuthError(AppealgenError):
    """The request has no valid API key."""

    exit_code = 2
    http_status = 401
    title = "Unauthorized"


class NotFoundError(AppealgenError):
    """A requested case or resource does not exist (for this caller)."""

    exit_code = 2
    http_status = 404
    title = "Not found"
