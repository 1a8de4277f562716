"""The exception a reader raises for a file it refuses as a whole."""


class FileRejected(Exception):
    """The file as a whole cannot be read; ``str(exc)`` is the Chinese reason.

    ``top_rows`` holds the first rows when no header was found, so the caller
    can tell which other template the file is without reading it again.
    """

    def __init__(self, message: str, top_rows: list | None = None):
        super().__init__(message)
        self.top_rows = top_rows or []
