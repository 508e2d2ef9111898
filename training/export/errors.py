"""The one error every export raises when it refuses a candidate."""


class ExportRefused(Exception):
    """The candidate failed conversion or the equivalence gate; nothing was replaced."""
