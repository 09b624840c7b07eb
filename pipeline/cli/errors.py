"""How the command line tells a failure: one line saying what happened and what to do.

Every command runs inside `Main.invoke`: configuration problems are listed the way
``check-config`` lists them, a full disk or a refused write is named with its file, and anything
unexpected is one line that points at ``--debug``, which shows the traceback instead.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
from typing import IO, Any

import click

from pipeline.configfile import ConfigError, Problem  # not pipeline.config: it loads the classifier
from pipeline.store.ledger import LedgerDamaged
from pipeline.store.ledger.postgres import LedgerUnavailable

FIX_HINT = "fix them, then `agenda-watch check-config` checks every file again"


def echo_problems(problems: list[Problem], *, count: bool = True) -> None:
    """Each problem on its own line (file:line: entry: field: message) on stderr.

    Then their number, with `count` or when there are several.
    """
    for problem in problems:
        click.echo(str(problem), err=True)
    if len(problems) > 1 or (problems and count):
        click.echo(f"{len(problems)} configuration problem(s): {FIX_HINT}", err=True)


class ConfigProblems(click.ClickException):
    """The configuration has problems: listed one a line, exit status 1."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} configuration problem(s)")
        self.problems = problems

    def show(self, file: IO[Any] | None = None) -> None:
        """The problems, as `check-config` prints them (a single one without the count)."""
        echo_problems(self.problems, count=False)


class Failure(click.ClickException):
    """An expected failure, told in one line (exit status 1)."""

    def show(self, file: IO[Any] | None = None) -> None:
        """``error: …`` on stderr."""
        click.echo(f"error: {self.message}", err=True)


def describe(exc: BaseException) -> str:
    """One line for `exc`: what happened and, where we know, what to do about it."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return _describe_os_error(exc)
    return (
        f"{type(exc).__name__}: {exc}. This was not expected: run the command again with "
        "--debug for the details, and please report it"
    )


def _describe_os_error(exc: OSError) -> str:
    name = f" {exc.filename}" if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        where = f" writing{name}" if name else ""
        return (
            f"no space left on the device{where}: free some space (or point --data-dir at a "
            "disk with room) and run the command again"
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{exc.strerror}:{name}: check its owner and permissions, or use another --data-dir"
    if exc.errno == errno.ENOENT:
        return f"not found:{name or ' a file'}: check the path"
    return f"{exc.strerror or exc}{':' + name if name else ''}"


def _silence_broken_stdout() -> None:
    """If stdout failed (a full disk, a closed pipe), point it at /dev/null.

    Otherwise the interpreter's last flush fails again at exit and prints its own complaint.
    """
    try:
        sys.stdout.flush()
        return  # stdout is fine: the failure was elsewhere
    except (OSError, ValueError):
        pass
    try:
        stdout_fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a real file (the test runner's capture): nothing is flushed at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, stdout_fd)
    os.close(devnull)


class Main(click.Group):
    """The ``agenda-watch`` group: its commands fail in one line unless ``--debug`` is given."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; turn what it raises into a one-line message and exit status 1."""
        try:
            return super().invoke(ctx)
        except Failure as exc:
            if ctx.params.get("debug") and exc.__context__ is not None:
                traceback.print_exception(exc.__context__)  # what the one line stands for
            raise
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except ConfigError as exc:
            if ctx.params.get("debug"):
                raise
            raise ConfigProblems(exc.problems) from None
        # Their messages name the ledger (and `agenda-watch doctor`), never a password.
        except (LedgerDamaged, LedgerUnavailable) as exc:
            if ctx.params.get("debug"):
                raise
            raise Failure(str(exc)) from None
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            if isinstance(exc, OSError):
                _silence_broken_stdout()
            raise Failure(describe(exc)) from None
