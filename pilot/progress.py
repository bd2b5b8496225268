"""A progress bar for long runs: redrawn in place on a terminal, a line every tenth of the way otherwise."""

import time
from collections.abc import Callable


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{seconds:02d}s"
    return f"{seconds}s"


class ProgressBar:
    """``[########------] 57% 6,840/12,000 grievances, 1m12s left``, given to ``write`` (no line ending added)."""

    def __init__(
        self,
        write: Callable[[str], object],
        *,
        noun: str,
        tty: bool = False,
        flush: Callable[[], object] = lambda: None,
        width: int = 30,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.write, self.flush, self.noun, self.width, self.tty = write, flush, noun, width, tty
        self.monotonic = monotonic
        self.started = monotonic()
        self.drawn_at = -1.0
        self.step_shown = -1
        self.last = ""

    def line(self, done: int, total: int) -> str:
        share = done / total if total else 1.0
        filled = int(self.width * share)
        bar = "#" * filled + "-" * (self.width - filled)
        text = f"[{bar}] {int(share * 100):3d}% {done:,}/{total:,} {self.noun}"
        elapsed = self.monotonic() - self.started
        if 0 < done < total:
            text += f", {_duration(elapsed * (total - done) / done)} left"
        elif done >= total:
            text += f", {_duration(elapsed)}"
        return text

    def __call__(self, done: int, total: int) -> None:
        """Show ``done`` of ``total``; cheap when called for every item."""
        now = self.monotonic()
        if self.tty:
            if done < total and now - self.drawn_at < 0.2:
                return
            self.drawn_at = now
            self.last = self.line(done, total)
            self.write("\r" + self.last + ("\n" if done >= total else ""))
        else:
            step = 10 * done // total if total else 10
            if step == self.step_shown:
                return
            self.step_shown = step
            self.last = self.line(done, total)
            self.write(self.last + "\n")
        self.flush()
