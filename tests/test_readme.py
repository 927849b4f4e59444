"""The README as a newcomer reads it (issue 11, point 7): every shell command of its
``console`` blocks runs, in order, as written, against a demo folder built here; each exits 0;
and where the README shows output under a command, that output is what the command prints.

The commands run in bash from a fresh folder standing for the clone, with the virtualenv's
``bin`` first on PATH, ``WINBACK_AS_OF`` set to the moment the README's sample run was made
(the README says so) and a 160-column terminal. A ``cd`` carries over to the next command.
Not run, each for a stated reason: ``make test`` (it runs this suite), ``make demo`` is run as
its recipe's ``winback`` command (the Makefile's own line, without the virtualenv it makes;
the fresh-clone check does that), ``source .venv/bin/activate`` (PATH already has it), ``pip
install``. ``winback serve`` and ``dispatch --loop`` keep running: they must answer
(``/healthz``) or stay up, then are stopped.

Sample output: every line the README shows under a command must appear in what it printed,
in order (trailing spaces aside); a line ``…`` stands for any number of lines.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import click
import httpx
import pytest

from winback.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
AS_OF = "2026-11-23T12:00+08:00"
"""The moment of the README's sample run (it says: WINBACK_AS_OF=2026-11-23T12:00+08:00)."""
SKIPPED = {
    "make test": "runs lint, type checks and this very suite",
    "source .venv/bin/activate": "the test's PATH has the virtualenv's bin first already",
}
LONG_RUNNING = ("winback serve", "--loop")


@dataclass
class Command:
    line: str
    sample: list[str] = field(default_factory=list)


def console_commands(text: str) -> list[Command]:
    """The ``$`` lines of every ```console block, each with the lines shown under it."""
    commands: list[Command] = []
    for block in re.findall(r"^```console\n(.*?)^```", text, re.M | re.S):
        continued = False
        for line in block.splitlines():
            if continued:  # a command continued with a backslash
                commands[-1].line = commands[-1].line[:-1].rstrip() + " " + line.strip()
            elif line.startswith("$ "):
                commands.append(Command(line[2:].strip()))
            elif commands and line.strip() and not line.startswith(" " * 8 + "#"):
                commands[-1].sample.append(line.rstrip())
            continued = (
                bool(commands) and commands[-1].line.endswith("\\") and not commands[-1].sample
            )
    return commands


def demo_recipe() -> str:
    """What `make demo` runs after making the virtualenv: its last recipe line, as a shell
    command on the PATH."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^VENV := \.venv$", makefile, re.M), "the README activates .venv/"
    recipe = re.search(r"^demo:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert recipe is not None
    last = recipe.group(1).strip().splitlines()[-1].strip()
    return last.replace("$(BIN)/", "")


def assert_shown(sample: list[str], printed: str, where: str) -> None:
    lines = [line.rstrip() for line in printed.splitlines()]
    at = 0
    for wanted in sample:
        if wanted == "…":
            continue
        try:
            at = lines.index(wanted, at) + 1
        except ValueError:
            near = [line for line in lines if line[:20] == wanted[:20]][:3]
            raise AssertionError(
                f"{where}: the README shows\n  {wanted!r}\nbut the command printed nothing "
                f"like it after line {at} (lines that start alike: {near})"
            ) from None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Shell:
    """Runs README lines in bash, carrying the working directory over."""

    def __init__(self, root: Path) -> None:
        self.cwd = root
        self.where = root / ".pwd"
        bin_dir = Path(sys.executable).parent
        self.env = {
            **os.environ,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "WINBACK_AS_OF": AS_OF,
            "COLUMNS": "160",
            "BROWSER": "true",  # serve --open: a browser that does nothing
        }
        self.env.pop("WINBACK_DATABASE_URL", None)
        self.env.pop("WINBACK_CONFIG", None)
        assert shutil.which("winback", path=self.env["PATH"]), "winback is not on the PATH"

    def run(self, line: str) -> subprocess.CompletedProcess[str]:
        script = f"{line}\nstatus=$?\npwd > {self.where}\nexit $status\n"
        done = subprocess.run(
            ["bash", "-c", script], cwd=self.cwd, env=self.env, capture_output=True,
            text=True, timeout=1800, check=False,
        )  # fmt: skip
        self.cwd = Path(self.where.read_text().strip())
        return done

    def keeps_running(self, line: str) -> str:
        """Start ``line``; a server must answer /healthz, a loop must stay up; then stop it."""
        port = None
        if "winback serve" in line:
            port = free_port()  # the README's 8000 may be taken on a shared machine
            line = re.sub(r"--port \d+", "", line) + f" --port {port}"
        process = subprocess.Popen(
            ["bash", "-c", f"exec {line}"], cwd=self.cwd, env=self.env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            answered = port is None
            while time.monotonic() < deadline and not answered:
                assert process.poll() is None, process.communicate()[0]
                try:
                    answered = httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
                except httpx.TransportError:
                    time.sleep(0.5)
            if port is None:
                time.sleep(8)
            assert answered, f"{line}: no answer on /healthz"
            assert process.poll() is None, process.communicate()[0]
        finally:
            os.killpg(process.pid, signal.SIGINT)
            try:
                output = process.communicate(timeout=30)[0]
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                output = process.communicate()[0]
        return output


def test_the_readme_has_commands_and_sample_output() -> None:
    commands = console_commands(README.read_text(encoding="utf-8"))
    assert len(commands) > 25
    assert sum(bool(c.sample) for c in commands) >= 4
    assert "make demo" in [c.line.split("#")[0].strip() for c in commands]


def test_the_readme_names_what_a_newcomer_needs() -> None:
    text = README.read_text(encoding="utf-8")
    for needed in ("[stores.", "--as-of", "WINBACK_AS_OF", "winback serve",
                   "source .venv/bin/activate", "docs/privacy.md", "docs/settings.md"):  # fmt: skip
        assert needed in text, needed
    for link in re.findall(r"\]\((docs/[^)#]+)", text):
        assert (ROOT / link).is_file(), link


def test_the_readme_says_which_commands_have_no_json() -> None:
    """The README's sentence about --json names exactly the commands without it."""

    def leaves(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
        found = []
        for name, command in group.commands.items():
            here = (*path, name)
            if isinstance(command, click.Group):
                if command.invoke_without_command:
                    found.append(here)
                found += leaves(command, here)
            else:
                found.append(here)
        return found

    def has_json(path: tuple[str, ...]) -> bool:
        command: click.Command = cli
        for name in path:
            assert isinstance(command, click.Group)
            command = command.commands[name]
        return any("--json" in param.opts for param in command.params)

    without = {" ".join(path) for path in leaves(cli) if not has_json(path)}
    text = " ".join(README.read_text(encoding="utf-8").split())
    sentence = re.search(
        r"Every command that prints a result takes `--json`, except ([^.]*)\.", text
    )
    assert sentence is not None
    assert set(re.findall(r"`([a-z ]+)`", sentence.group(1))) == without


def test_every_command_in_the_docs_is_one_winback_knows() -> None:
    """Each `$ winback …` line in docs/*.md parses: the command exists and takes those
    options (cheap: parsed, not run)."""
    checked = 0
    for doc in sorted((ROOT / "docs").glob("*.md")):
        text = doc.read_text(encoding="utf-8")
        plain = re.findall(r"^```\n(.*?)^```", text, re.M | re.S)
        lines = [c.line for c in console_commands(text)]
        lines += [
            line for block in plain for line in block.splitlines() if line.startswith("winback ")
        ]
        for written in lines:
            line = written.split(" #")[0].split(" >")[0].strip()
            line = re.sub(r"^(\w+=\S+ )+", "", line)
            if not line.startswith("winback ") or any(c in line for c in "…<[|"):
                continue
            args = shlex.split(line)[1:]
            while args[:1] in (["--config"], ["--database"]):
                args = args[2:]
            command_obj: click.Command = cli
            names = ["winback"]
            while isinstance(command_obj, click.Group) and args and args[0] in command_obj.commands:
                names.append(args[0])
                command_obj, args = command_obj.commands[args[0]], args[1:]
            try:
                command_obj.make_context(" ".join(names), list(args))
            except click.UsageError as error:
                raise AssertionError(f"{doc.name}: {line}: {error}") from None
            checked += 1
    assert checked > 10


@pytest.mark.slow
def test_every_readme_command_runs_as_written_and_prints_what_the_readme_shows(
    tmp_path: Path,
) -> None:
    root = tmp_path / "clone"
    root.mkdir()
    shell = Shell(root)
    outputs: dict[str, str] = {}
    skipped: list[str] = []
    for command in console_commands(README.read_text(encoding="utf-8")):
        line = command.line
        bare = line.split(" #")[0].strip()
        if bare in SKIPPED or bare.startswith("pip install"):
            skipped.append(bare)
            continue
        if bare == "make demo":
            if bare not in outputs:  # the same moment and seed: a second run is the same demo
                done = shell.run(demo_recipe())
                assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
                outputs[bare] = done.stdout + done.stderr
            printed = outputs[bare]
        elif any(marker in bare for marker in LONG_RUNNING):
            printed = shell.keeps_running(bare)
        else:
            done = shell.run(line)
            assert done.returncode == 0, f"{line}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
            printed = done.stdout + done.stderr
        assert_shown(command.sample, printed, line)
    assert set(skipped) <= set(SKIPPED), skipped
    assert (root / "demo" / "report.html").is_file()
