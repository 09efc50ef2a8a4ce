"""Word 97–2003 `.doc` files: converted to .docx by LibreOffice (Debian's libreoffice-writer-nogui) in
a subprocess with a time and memory limit, then read as a .docx; where LibreOffice is missing,
antiword gives the text (its tables as |pipe| rows, which the importer reads too).
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from campaign.formats import Document, PlanReadError
from campaign.limits import MAX_READ_SECONDS
from campaign.text import nfc

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the compound file every .doc (and .xls, .msg) is
CONVERTER_MEMORY = 3 * 1024**3  # address space for the converter process
INSTALL = "apt-get install libreoffice-writer-nogui (hoặc antiword)"
# The programs tried in turn; tests point these at a converter that hangs.
LIBREOFFICE = ["soffice", "libreoffice"]
ANTIWORD = ["antiword"]
TIME_LIMIT = MAX_READ_SECONDS  # seconds a conversion may take


def read_doc(data: bytes, name: str) -> Document:
    """The .doc's lines, through LibreOffice or else antiword; PlanReadError when neither is installed,
    the conversion fails, or it outlasts MAX_READ_SECONDS (the converter is killed then)."""
    office = _program(LIBREOFFICE)
    antiword = _program(ANTIWORD)
    if office is None and antiword is None:
        raise PlanReadError(
            f"tệp {name} là tệp Word cũ (.doc); máy chủ chưa cài bộ chuyển đổi ({INSTALL}). "
            "Hãy mở bằng Word và lưu lại dạng .docx"
        )
    with tempfile.TemporaryDirectory(prefix="plan-doc-") as folder:
        source = Path(folder) / "plan.doc"
        source.write_bytes(data)
        if office is not None:
            from campaign.formats.word import read_docx

            profile = Path(folder) / "profile"  # its own profile: conversions never wait on each other
            _run(
                [
                    office,
                    f"-env:UserInstallation={profile.as_uri()}",
                    "--headless",
                    "--norestore",
                    "--convert-to",
                    "docx",
                    "--outdir",
                    folder,
                    str(source),
                ],
                name,
            )
            converted = Path(folder) / "plan.docx"
            if not converted.is_file():
                raise PlanReadError(
                    f"tệp {name}: LibreOffice không chuyển được tệp .doc này (tệp hỏng hay không phải Word?)"
                )
            return read_docx(converted.read_bytes(), name)
        assert antiword is not None
        text = _run([antiword, "-w", "0", str(source)], name)
        document = Document()
        for line in nfc(text.decode("utf-8", errors="replace")).splitlines():
            document.add(line, "antiword")
        return document


def _program(names: list[str]) -> str | None:
    return next((found for name in names if (found := shutil.which(name))), None)


def _limits() -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (CONVERTER_MEMORY, CONVERTER_MEMORY))

    return apply


def _run(command: list[str], name: str) -> bytes:
    """Run a converter in its own process group; killed with its children past the time limit."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=_limits(),
        env={**os.environ, "HOME": str(Path(command[-1]).parent)},
    )
    try:
        out, _ = process.communicate(timeout=TIME_LIMIT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise PlanReadError(
            f"tệp {name}: chuyển đổi tệp .doc quá {TIME_LIMIT} giây nên đã dừng; hãy lưu lại dạng .docx"
        ) from None
    if process.returncode != 0:
        raise PlanReadError(
            f"tệp {name}: không chuyển được tệp .doc (mã lỗi {process.returncode}); hãy lưu lại dạng .docx"
        )
    return out
