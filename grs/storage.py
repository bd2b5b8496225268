"""Static files: hashed, compressed names (long browser caching) from the manifest `collectstatic` writes."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFiles(CompressedManifestStaticFilesStorage):
    """WhiteNoise's manifest storage, which also writes the manifest when `collectstatic` runs with it; where
    no manifest exists yet (a first `make run`, the test suite) pages link the plain names instead of
    failing for want of one."""

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:
            return name
        return super().stored_name(name)
