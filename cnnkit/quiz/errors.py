"""The one exception a quiz author meets: what was expected, what was found, how to fix it."""


class QuizError(ValueError):
    """Bad quiz input (unknown family, impossible layer, malformed CSV), with the line when there is one."""
