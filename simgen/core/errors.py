"""Typed exceptions. Library code raises these; only the CLI turns them into exit codes."""


class SimgenError(Exception):
    """Base class of every error simgen raises on purpose."""


class ConfigError(SimgenError):
    """A preset, a CLI option or an override is invalid. The message names what and what is allowed."""


class RenderError(SimgenError):
    """The renderer could not start or failed (missing EGL/GL libraries, context loss)."""


class RejectedScene(SimgenError):
    """A stage could not produce a valid result for this seed; the scene is retried with a derived seed.

    `stage` names the stage that gave up.
    """

    def __init__(self, stage: str, reason: str):
        super().__init__(f"{stage}: {reason}")
        self.stage = stage
        self.reason = reason
