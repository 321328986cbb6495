"""The processes tests wait for, started early (tests/conftest.py) so they run alongside the
in-process tests instead of after them.

- `python main.py` in a process of its own, for the tests where the process boundary is the
  point: environment variables, exit status, stderr, what outlives the process;
- checkov's scan of the session's stacks;
- mermaid-cli drawing the pictures of docs/architecture.md.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from f1_infra.config import DEFAULT_ENVS_DIR, PROJECT_ROOT


@dataclass
class MainRun:
    """`main.py` with ENVS_DIR and CDKTF_OUTDIR pointing into a folder of its own."""

    envs: Path
    outdir: Path
    path: str = os.environ.get("PATH", "")
    _process: subprocess.Popen[str] | None = None
    _result: subprocess.CompletedProcess[str] | None = field(default=None, repr=False)

    def start(self) -> None:
        if self._process is None:
            self._process = subprocess.Popen(
                [sys.executable, "main.py"],
                cwd=PROJECT_ROOT,
                env={**os.environ, "PATH": self.path, "ENVS_DIR": str(self.envs), "CDKTF_OUTDIR": str(self.outdir)},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                # Its own process group: every process it starts (Node.js for jsii) joins it,
                # so `outlived_by_a_process` sees any of them that survives.
                start_new_session=True,
            )

    def result(self) -> subprocess.CompletedProcess[str]:
        """Waits for the run to end."""
        if self._result is None:
            self.start()
            assert self._process is not None
            stdout, stderr = self._process.communicate(timeout=300)
            self._result = subprocess.CompletedProcess(self._process.args, self._process.returncode, stdout, stderr)
        return self._result

    def outlived_by_a_process(self) -> bool:
        """Whether any process of the run's group is still there once the run has ended."""
        self.result()
        assert self._process is not None
        try:
            os.killpg(self._process.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            os.killpg(self._process.pid, 9)
            self._process.communicate()

    def written(self) -> dict[str, bytes]:
        return files(self.outdir)


def laptop_path() -> str:
    """PATH without terraform and without the project's node_modules/.bin."""
    terraform = shutil.which("terraform")
    hidden = {str(PROJECT_ROOT / "node_modules" / ".bin"), os.path.dirname(terraform) if terraform else ""}
    return os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep) if p not in hidden)


def files(folder: Path) -> dict[str, bytes]:
    """Every file below a folder, by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


class MainRuns:
    """The runs tests can ask for, by fixture name, each in a folder below one temporary folder."""

    NAMES = ("main_qa", "main_unwritable_outdir")

    def __init__(self) -> None:
        self._root = Path(tempfile.mkdtemp(prefix="main-runs-"))
        self._runs: dict[str, MainRun] = {}

    def _as_qa(self, name: str, shipped: str) -> Path:
        envs = self._root / name / "envs"
        envs.mkdir(parents=True)
        shutil.copy(DEFAULT_ENVS_DIR / f"{shipped}.json", envs / "qa.json")
        return envs

    def _make(self, name: str) -> MainRun:
        if name == "main_qa":
            # staging's file under another name: the stack name shows which folder was read, and
            # its Terraform Cloud backend brings the bootstrap stack. Started as on a laptop: no
            # terraform, and the system's Node.js first on PATH.
            return MainRun(self._as_qa(name, "staging"), self._root / name / "out", path=laptop_path())
        if name == "main_unwritable_outdir":
            # Valid files, so the failure comes while synthesizing, after the provider import.
            blocker = self._root / name / "file"
            envs = self._as_qa(name, "dev")
            blocker.write_text("")
            return MainRun(envs, blocker / "out")
        raise KeyError(name)

    def get(self, name: str) -> MainRun:
        if name not in self._runs:
            self._runs[name] = self._make(name)
        return self._runs[name]

    def stop(self, name: str) -> None:
        """Stops a run that was started but is not used."""
        if name in self._runs:
            self._runs[name].stop()

    def close(self) -> None:
        for run in self._runs.values():
            run.stop()
        shutil.rmtree(self._root, ignore_errors=True)


class Checkov:
    """One checkov scan of the synthesized stacks, started as soon as they are written."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._result: subprocess.CompletedProcess[str] | None = None

    def start(self, stacks: Path) -> None:
        if self._process is None:
            command = [str(Path(sys.executable).parent / "checkov"), "-d", str(stacks)]
            command += ["--framework", "terraform_json", "--output", "json", "--skip-download"]
            config_file = PROJECT_ROOT / ".checkov.yaml"
            if config_file.exists():
                command += ["--config-file", str(config_file)]
            self._process = subprocess.Popen(
                command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )

    def result(self, stacks: Path) -> subprocess.CompletedProcess[str]:
        """Waits for the scan (starting it if nothing has yet)."""
        if self._result is None:
            self.start(stacks)
            assert self._process is not None
            stdout, stderr = self._process.communicate(timeout=600)
            self._result = subprocess.CompletedProcess(self._process.args, self._process.returncode, stdout, stderr)
        return self._result

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.communicate()


# Debian's Chromium (.ci/run installs it); hosted runners that ship Google Chrome instead use that.
BROWSERS = ("/usr/bin/chromium", "chromium", "google-chrome")


class Render:
    """mermaid-cli drawing every mermaid block of a document with Chromium, into SVG files."""

    def __init__(self, document: Path) -> None:
        self.document = document
        self.folder = Path(tempfile.mkdtemp(prefix="render-"))
        self.missing: list[str] = []
        self._process: subprocess.Popen[str] | None = None
        self._result: subprocess.CompletedProcess[str] | None = None

    def start(self) -> None:
        if self._process is not None or self.missing:
            return
        mmdc = shutil.which("mmdc")
        browser = next((path for path in map(shutil.which, BROWSERS) if path), None)
        self.missing = [what for what, found in (("mmdc", mmdc), ("chromium", browser)) if not found]
        if self.missing:
            return
        config = self.folder / "puppeteer.json"
        config.write_text(
            json.dumps({"executablePath": browser, "args": ["--no-sandbox", "--headless", "--disable-gpu"]})
        )
        command = [str(mmdc), "--quiet", "--puppeteerConfigFile", str(config), "--input", str(self.document)]
        command += ["--output", str(self.folder / "out.md")]
        self._process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def result(self) -> subprocess.CompletedProcess[str] | None:
        """Waits for the drawing; None when mmdc or a browser is missing (see ``missing``)."""
        self.start()
        if self._process is None:
            return None
        if self._result is None:
            stdout, stderr = self._process.communicate(timeout=600)
            self._result = subprocess.CompletedProcess(self._process.args, self._process.returncode, stdout, stderr)
        return self._result

    def pictures(self) -> list[Path]:
        return sorted(self.folder.glob("out-*.svg"))

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.communicate()
        shutil.rmtree(self.folder, ignore_errors=True)
