#!/usr/bin/env python3
"""Records the package index that osv-lens's resolver tests and bench read, and uv's answers over it.

Python 3.11 standard library only. Run from anywhere; paths are taken from this file's place in the repository.
The registry is reached with Python's own TLS (the machine's certificates come through `SSL_CERT_FILE`); the page,
the browser tests and the expected answers never reach outside: they use `cargo xtask index-server`.

Commands
  record [CASE ...]   For every resolution case (all of tests/fixtures/resolution/, or those named): run
                      `uv pip compile` through a recording proxy on 127.0.0.1 that forwards to the registry and keeps
                      what passes (simple-API pages, and the wheels whose metadata uv reads), then add the core
                      metadata of every kept wheel of the 3 newest versions (up to the case's as-of date) of every
                      package uv looked at, and write the trimmed fixtures to tests/fixtures/index/.
  add NAME[==VERSION] ... | add FILENAME ...
                      Record one project's page (and the metadata of the versions named, or of its 3 newest as of the
                      fixture cut-off), or the metadata of one wheel by its file name, into the fixtures.
  whole FILENAME ...  Store these wheels whole (no metadata file), for a client's range-request fallback.
  expected [CASE ...] Run uv against the LOCAL fixture index (`cargo xtask index-server`) and write each case's
                      expected.txt.
  check [CASE ...]    The same, compared with expected.txt; says which differ. Skipped with a message without uv.
  bench-pages         Record the full, untrimmed pages of the bench's vulnerable packages to
                      tests/fixtures/bench/index/ (see BENCH_PACKAGES).

uv is installed pinned (UV_VERSION) into a venv under target/index-record/, with pip. Raw answers are cached under
target/index-record/raw/, so a second run asks the registry only for what is new. The trimming rule is written in
tests/fixtures/index/README.md; `write_bundle` is its implementation.
"""

from __future__ import annotations

import concurrent.futures
import gzip
import hashlib
import http.server
import io
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import threading
import tomllib
import urllib.error
import urllib.parse
import urllib.request
import zipfile
import zlib
from pathlib import Path

UV_VERSION = "0.13.9"
REGISTRY = "https://pypi.org/simple"
ACCEPT_JSON = "application/vnd.pypi.simple.v1+json"
ROOT = Path(__file__).resolve().parent.parent
INDEX = ROOT / "tests/fixtures/index"
CASES = ROOT / "tests/fixtures/resolution"
BENCH_INDEX = ROOT / "tests/fixtures/bench/index"
WORK = ROOT / "target/index-record"
RAW = WORK / "raw"
NEWEST = 3
# Files stored whole by `whole` are capped so that the repository stays small.
WHOLE_FILE_LIMIT = 200_000
# The vulnerable packages of tests/fixtures/bench (those with advisories in ../shared/data/osv-pypi).
BENCH_PACKAGES_FILE = BENCH_INDEX / "packages.txt"

# Metadata fields a resolver reads; the rest (descriptions, authors, classifiers) is dropped from metadata files.
KEPT_FIELDS = {
    "metadata-version", "name", "version", "requires-python", "requires-dist", "provides-extra", "dynamic",
    "summary", "requires-external", "provides-dist", "obsoletes-dist",
}


def log(message: str) -> None:
    print(f"record_index: {message}", file=sys.stderr, flush=True)


def normalize(name: str) -> str:
    """PEP 503 normalisation."""
    return re.sub(r"[-_.]+", "-", name).lower()


# ---------------------------------------------------------------------------------------------------------------------
# The registry, cached under target/index-record/raw/.

def fetch(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    for attempt in range(4):
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return answer.status, dict(answer.headers), answer.read()
        except urllib.error.HTTPError as error:
            if error.code in (404, 410) or attempt == 3:
                return error.code, dict(error.headers), error.read()
        except (urllib.error.URLError, TimeoutError, ConnectionError):
            if attempt == 3:
                raise
    raise AssertionError("unreachable")


_page_lock = threading.Lock()


def raw_page(name: str, refresh: bool = False) -> dict | None:
    """The registry's PEP 691 page of a project, untrimmed, or None when the registry does not know it."""
    path = RAW / "pages" / f"{normalize(name)}.json"
    if path.exists() and not refresh:
        text = path.read_text()
        return None if text == "null" else json.loads(text)
    status, _, body = fetch(f"{REGISTRY}/{normalize(name)}/", {"Accept": ACCEPT_JSON})
    page = json.loads(body) if status == 200 else None
    if status not in (200, 404):
        raise RuntimeError(f"{name}: the registry answered {status}")
    with _page_lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(page))
    return page


def raw_metadata(file: dict) -> bytes | None:
    """The registry's `<wheel URL>.metadata`, or None where it has none (cached, 404s too)."""
    path = RAW / "metadata" / f"{file['filename']}.metadata"
    missing = path.with_suffix(".missing")
    if path.exists():
        return path.read_bytes()
    if missing.exists():
        return None
    status, _, body = fetch(file["url"] + ".metadata")
    path.parent.mkdir(parents=True, exist_ok=True)
    if status == 200:
        path.write_bytes(body)
        return body
    missing.write_text(str(status))
    return None


def raw_wheel(file: dict) -> bytes:
    path = RAW / "files" / file["filename"]
    if not path.exists():
        status, _, body = fetch(file["url"])
        if status != 200:
            raise RuntimeError(f"{file['filename']}: the registry answered {status}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    return path.read_bytes()


def fetch_range(url: str, first: int | None, last: int | None) -> tuple[bytes, int]:
    """Bytes `first..=last` of a file (`first` None: the last `last` bytes), and the file's length."""
    spec = f"bytes=-{last}" if first is None else f"bytes={first}-{last}"
    status, headers, body = fetch(url, {"Range": spec})
    if status != 206:
        raise RuntimeError(f"{url}: a range request was answered {status}")
    content_range = next(value for key, value in headers.items() if key.lower() == "content-range")
    return body, int(content_range.rsplit("/", 1)[1])


def metadata_from_wheel(file: dict) -> bytes:
    """`read_metadata_from_wheel`, cached."""
    path = RAW / "extracted" / f"{file['filename']}.metadata"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(read_metadata_from_wheel(file))
    return path.read_bytes()


def read_metadata_from_wheel(file: dict) -> bytes:
    """A wheel's `*.dist-info/METADATA`, read with range requests as uv does (the zip's central directory from the
    end of the file, then the one entry), for wheels the registry has no metadata file for."""
    url = file["url"]
    tail, length = fetch_range(url, None, 65536)
    tail_start = length - len(tail)
    end = tail.rfind(b"PK\x05\x06")
    if end < 0:
        raise RuntimeError(f"{file['filename']}: no end of central directory in the last 64 KiB")
    directory_size, directory_offset = struct.unpack("<II", tail[end + 12:end + 20])
    if directory_offset == 0xFFFFFFFF:
        with zipfile.ZipFile(io.BytesIO(raw_wheel(file))) as archive:  # zip64: rare for wheels
            return archive.read(next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA")))
    if directory_offset >= tail_start:
        directory = tail[directory_offset - tail_start:directory_offset - tail_start + directory_size]
    else:
        directory, _ = fetch_range(url, directory_offset, directory_offset + directory_size - 1)
    position = 0
    while directory[position:position + 4] == b"PK\x01\x02":
        method, = struct.unpack("<H", directory[position + 10:position + 12])
        compressed, = struct.unpack("<I", directory[position + 20:position + 24])
        name_length, extra_length, comment_length = struct.unpack("<HHH", directory[position + 28:position + 34])
        offset, = struct.unpack("<I", directory[position + 42:position + 46])
        name = directory[position + 46:position + 46 + name_length].decode("utf-8", errors="replace")
        position += 46 + name_length + extra_length + comment_length
        if not re.fullmatch(r"[^/]+\.dist-info/METADATA", name):
            continue
        local, _ = fetch_range(url, offset, offset + 30 + 1024 + compressed)
        local_name, local_extra = struct.unpack("<HH", local[26:30])
        data = local[30 + local_name + local_extra:30 + local_name + local_extra + compressed]
        return zlib.decompress(data, -15) if method == 8 else data
    raise RuntimeError(f"{file['filename']}: no .dist-info/METADATA in the wheel")


# ---------------------------------------------------------------------------------------------------------------------
# File names, versions, tags.

def file_version(filename: str) -> str | None:
    if filename.endswith(".whl"):
        parts = filename[:-4].split("-")
        return parts[1] if len(parts) >= 5 else None
    for extension in (".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar"):
        if filename.endswith(extension):
            stem = filename[: -len(extension)]
            return stem.rsplit("-", 1)[1] if "-" in stem else None
    return None


def version_key(version: str) -> tuple:
    """A sort key good enough to pick the newest releases (PEP 440 releases, pre-releases sorted below)."""
    match = re.match(r"^(?:(\d+)!)?(\d+(?:\.\d+)*)(.*)$", version.lower())
    if not match:
        return (-1, (), 0, version)
    release = tuple(int(part) for part in match.group(2).split("."))
    while len(release) > 1 and release[-1] == 0:
        release = release[:-1]
    rest = match.group(3)
    is_final = rest == "" or rest.startswith(".post") or rest.startswith("post")
    return (int(match.group(1) or 0), release, 1 if is_final else 0, rest)


def is_prerelease(version: str) -> bool:
    return bool(re.search(r"(a|b|c|rc|alpha|beta|pre|preview|dev)\d*", version.lower()))


PYTHONS = range(9, 14)


def tag_is_usable(python: str, abi: str, platform: str) -> bool:
    """True when some test environment (CPython 3.9-3.13 on Linux, macOS or Windows, x86_64) can install it."""
    platform_ok = (
        platform == "any"
        or platform == "win_amd64"
        or (platform.startswith("manylinux") and platform.endswith("_x86_64"))
        or (platform.startswith("macosx_") and platform.rsplit("_", 1)[-1] in ("x86_64", "universal2", "intel",
                                                                            "universal", "fat64", "fat3"))
        or (platform.startswith("macosx_") and platform.endswith("_universal2"))
    )
    if not platform_ok:
        return False
    if python in ("py3", "py2.py3") or re.fullmatch(r"py3\d+", python):
        return True
    match = re.fullmatch(r"cp3(\d+)", python)
    if not match:
        return False
    minor = int(match.group(1))
    if abi == "abi3":
        return minor <= 13
    return 9 <= minor <= 13 and abi in (f"cp3{minor}", "none")


def wheel_is_usable(filename: str) -> bool:
    parts = filename[:-4].split("-")
    if len(parts) < 5:
        return False
    pythons, abis, platforms = parts[-3].split("."), parts[-2].split("."), parts[-1].split(".")
    return any(tag_is_usable(p, a, pl) for p in pythons for a in abis for pl in platforms)


def trim_metadata(text: bytes) -> bytes:
    """Keeps the header fields a resolver reads, drops the description body and the rest."""
    lines = text.decode("utf-8", errors="replace").replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    keep = False
    for line in lines:
        if line == "":
            break
        if line[:1] in (" ", "\t"):
            if keep:
                kept.append(line)
            continue
        field = line.split(":", 1)[0].strip().lower()
        keep = field in KEPT_FIELDS
        if keep:
            kept.append(line)
    return ("\n".join(kept) + "\n").encode()


# ---------------------------------------------------------------------------------------------------------------------
# The fixtures: one gzip'd bundle per project, {"page": <PEP 691 page>, "metadata": {sha256: text}}.

def bundle_path(name: str) -> Path:
    return INDEX / "projects" / f"{normalize(name)}.json.gz"


def read_bundle(name: str) -> dict | None:
    path = bundle_path(name)
    if not path.exists():
        return None
    return json.loads(gzip.decompress(path.read_bytes()))


def read_settings() -> dict:
    return tomllib.loads((INDEX / "index.toml").read_text())


def write_settings(settings: dict) -> None:
    lines = ["# Written by xtask/record_index.py; see README.md.\n"]
    for key, value in settings.items():
        if isinstance(value, list):
            items = ", ".join(json.dumps(item) for item in value)
            lines.append(f"{key} = [{items}]\n")
        else:
            lines.append(f"{key} = {json.dumps(value)}\n")
    (INDEX / "index.toml").write_text("".join(lines))


def write_bundle(name: str, metadata_files: set[str], cutoff: str, whole: set[str]) -> dict:
    """Writes a project's trimmed bundle: the files uploaded up to `cutoff` (a date, inclusive) that a test
    environment can install, with `core-metadata` on the wheels in `metadata_files` (merged with those the bundle
    already had), and `hashes` only on wheels stored whole."""
    page = raw_page(name)
    if page is None:
        raise RuntimeError(f"{name}: not on the registry")
    old = read_bundle(name)
    if old:
        for file in old["page"]["files"]:
            if "core-metadata" in file:
                metadata_files.add(file["filename"])
    stored_metadata: dict[str, str] = {}
    files = []
    kept_versions: set[str] = set()
    for file in page["files"]:
        filename = file["filename"]
        if file.get("upload-time", "")[:10] > cutoff:
            continue
        version = file_version(filename)
        if version is not None:
            kept_versions.add(version)
        if filename.endswith(".whl") and not wheel_is_usable(filename):
            continue
        entry = {
            "filename": filename,
            "hashes": {},
            "requires-python": file.get("requires-python"),
            "size": file.get("size"),
            "upload-time": file.get("upload-time"),
            "yanked": file.get("yanked", False),
        }
        if filename in whole:
            raw_wheel(file)
            metadata_files.discard(filename)
            entry["hashes"] = file.get("hashes", {})
        elif filename in metadata_files and filename.endswith(".whl"):
            text = raw_metadata(file)
            if text is None:
                # The registry has no metadata file for this wheel: the METADATA inside the wheel stands in.
                text = metadata_from_wheel(file)
            trimmed = trim_metadata(text)
            digest = hashlib.sha256(trimmed).hexdigest()
            stored_metadata[digest] = trimmed.decode()
            entry["core-metadata"] = {"sha256": digest}
        files.append(entry)
    versions = [version for version in page.get("versions", []) if version in kept_versions]
    trimmed_page = {
        "meta": page.get("meta", {"api-version": "1.1"}),
        "name": page.get("name", normalize(name)),
        "versions": versions,
        "files": files,
    }
    for key in ("project-status", "alternate-locations"):
        if key in page:
            trimmed_page[key] = page[key]
    bundle = {"page": trimmed_page, "metadata": dict(sorted(stored_metadata.items()))}
    path = bundle_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps(bundle, separators=(",", ":"), sort_keys=False).encode()
    path.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    for filename in whole & {file["filename"] for file in files}:
        source = RAW / "files" / filename
        if source.exists():
            (INDEX / "files").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, INDEX / "files" / filename)
    return bundle


def newest_versions(page: dict, cutoff: str, count: int = NEWEST) -> list[str]:
    """The `count` newest final releases uploaded up to `cutoff` (pre-releases only when there is nothing else)."""
    dates: dict[str, str] = {}
    for file in page["files"]:
        version = file_version(file["filename"])
        if version and file.get("upload-time", "")[:10] <= cutoff:
            dates.setdefault(version, file["upload-time"])
    versions = sorted(dates, key=version_key, reverse=True)
    finals = [version for version in versions if not is_prerelease(version)]
    return (finals or versions)[:count]


def wheels_of(page: dict, versions: set[str], cutoff: str) -> set[str]:
    return {
        file["filename"]
        for file in page["files"]
        if file["filename"].endswith(".whl")
        and file_version(file["filename"]) in versions
        and wheel_is_usable(file["filename"])
        and file.get("upload-time", "")[:10] <= cutoff
    }


def prefetch_metadata(page: dict, filenames: set[str]) -> None:
    """Fetches the metadata files of `filenames` from the registry in parallel (the cache makes writing quick)."""
    def one(file: dict) -> None:
        if raw_metadata(file) is None:
            metadata_from_wheel(file)

    files = [file for file in page["files"] if file["filename"] in filenames]
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(one, files))


# ---------------------------------------------------------------------------------------------------------------------
# The recording proxy.

class Recorder:
    """What one uv run read: pages asked for, wheels whose bytes were read (for metadata), files downloaded."""

    def __init__(self) -> None:
        self.pages: set[str] = set()
        self.files: set[str] = set()
        self.whole: set[str] = set()
        self.urls: dict[str, str] = {}
        self.lock = threading.Lock()


def proxy(recorder: Recorder) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            pass

        def do_HEAD(self) -> None:
            self.answer(head=True)

        def do_GET(self) -> None:
            self.answer(head=False)

        def send(self, status: int, headers: dict, body: bytes, head: bool) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def answer(self, head: bool) -> None:
            path = urllib.parse.unquote(self.path.split("?")[0])
            host = f"http://{self.headers.get('Host')}"
            if path.startswith("/simple/"):
                name = path[len("/simple/"):].strip("/")
                page = raw_page(name, refresh=False)
                with recorder.lock:
                    recorder.pages.add(normalize(name))
                if page is None:
                    self.send(404, {"Content-Type": "text/plain"}, b"not found", head)
                    return
                served = json.loads(json.dumps(page))
                for file in served["files"]:
                    with recorder.lock:
                        recorder.urls[file["filename"]] = file["url"]
                    file["url"] = f"{host}/files/{urllib.parse.quote(file['filename'])}"
                body = json.dumps(served).encode()
                self.send(200, {"Content-Type": ACCEPT_JSON}, body, head)
            elif path.startswith("/files/"):
                filename = path[len("/files/"):]
                with recorder.lock:
                    url = recorder.urls.get(filename)
                    recorder.files.add(filename)
                if url is None:
                    self.send(404, {"Content-Type": "text/plain"}, b"not found", head)
                    return
                headers = {key: value for key, value in self.headers.items() if key.lower() in ("range",)}
                if not head and not headers:
                    with recorder.lock:
                        recorder.whole.add(filename)
                status, answer_headers, body = fetch(url, headers, "HEAD" if head else "GET")
                kept = {key: value for key, value in answer_headers.items()
                        if key.lower() in ("content-type", "content-range", "accept-ranges")}
                if head and "content-length" in {key.lower() for key in answer_headers}:
                    length = next(v for k, v in answer_headers.items() if k.lower() == "content-length")
                    self.send_response(status)
                    for name, value in kept.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", length)
                    self.end_headers()
                    return
                self.send(status, kept, body, head)
            else:
                self.send(404, {"Content-Type": "text/plain"}, b"not found", head)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# ---------------------------------------------------------------------------------------------------------------------
# Cases and uv.

def uv() -> Path:
    binary = WORK / "venv/bin/uv"
    if binary.exists():
        version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.split()
        if len(version) > 1 and version[1] == UV_VERSION:
            return binary
    log(f"installing uv {UV_VERSION} into {WORK / 'venv'} with pip")
    subprocess.run([sys.executable, "-m", "venv", WORK / "venv"], check=True)
    subprocess.run([WORK / "venv/bin/pip", "install", "-q", f"uv=={UV_VERSION}"], check=True)
    return binary


def cases(names: list[str]) -> list[Path]:
    found = sorted(path.parent for path in CASES.glob("*/case.toml"))
    if names:
        found = [path for path in found if path.name in names]
        missing = set(names) - {path.name for path in found}
        if missing:
            raise SystemExit(f"record_index: no such case: {', '.join(sorted(missing))}")
    return found


def case_settings(case: Path) -> dict:
    return tomllib.loads((case / "case.toml").read_text())


def compile_command(binary: Path, case: Path, index_url: str) -> list[str]:
    settings = case_settings(case)
    command = [str(binary), "pip", "compile", "--no-cache", "--no-config", "--exclude-newer", settings["as-of"],
               "--python-version", settings["python"], "--python-platform", settings["platform"],
               "--index-url", index_url]
    for constraint in settings.get("constraints", []):
        command += ["-c", constraint]
    command += settings.get("uv-args", [])
    command.append(settings["input"])
    return command


def run_uv(binary: Path, case: Path, index_url: str) -> subprocess.CompletedProcess:
    environment = dict(os.environ, UV_PYTHON_DOWNLOADS="never", NO_COLOR="1", UV_NO_PROGRESS="1")
    environment.pop("UV_INDEX_URL", None)
    environment.pop("PIP_INDEX_URL", None)
    return subprocess.run(compile_command(binary, case, index_url), cwd=case, capture_output=True, text=True,
                          env=environment, timeout=900)


def uv_answer(result: subprocess.CompletedProcess, index_url: str) -> str:
    """What expected.txt holds: uv's output, or its error text when there is no resolution (the index address
    replaced by `<index>`)."""
    if result.returncode == 0:
        text = result.stdout
    else:
        # Warnings about this machine's interpreters are left out; the error is kept as uv wrote it.
        text = "".join(line for line in result.stderr.splitlines(keepends=True) if not line.startswith("warning:"))
    return text.replace(index_url, "<index>/simple")


def record(names: list[str]) -> None:
    binary = uv()
    settings = read_settings()
    metadata_wanted: dict[str, set[str]] = {}
    for case in cases(names):
        recorder = Recorder()
        server = proxy(recorder)
        index_url = f"http://127.0.0.1:{server.server_address[1]}/simple"
        log(f"{case.name}: uv pip compile through the recording proxy")
        result = run_uv(binary, case, index_url)
        server.shutdown()
        if result.returncode != 0:
            log(f"{case.name}: uv found no resolution (exit {result.returncode}):\n{result.stderr.strip()}")
        (WORK / "through-proxy").mkdir(parents=True, exist_ok=True)
        (WORK / "through-proxy" / f"{case.name}.txt").write_text(uv_answer(result, index_url))
        as_of = case_settings(case)["as-of"]
        log(f"{case.name}: {len(recorder.pages)} pages, {len(recorder.files)} files read, "
            f"{len(recorder.whole)} of them whole: {', '.join(sorted(recorder.whole))}")
        reads = {"pages": sorted(recorder.pages), "files": sorted(recorder.files), "whole": sorted(recorder.whole)}
        (WORK / "through-proxy" / f"{case.name}.reads.json").write_text(json.dumps(reads, indent=1))
        # Files uv downloaded whole (an sdist it builds, the build backend's wheel) are served whole.
        whole_reads = set(settings.get("whole-files", [])) | recorder.whole
        settings["whole-files"] = sorted(whole_reads)
        for name in sorted(recorder.pages):
            page = raw_page(name)
            if page is None:
                continue
            wanted = {file for file in recorder.files if normalize(file.split("-")[0]) == name}
            versions = {file_version(file) for file in wanted} | set(newest_versions(page, as_of))
            wheels = wheels_of(page, versions, as_of)
            metadata_wanted.setdefault(name, set()).update(wheels)
    cutoff = settings["cutoff"]
    whole = set(settings.get("whole-files", []))
    log(f"writing {len(metadata_wanted)} projects (cut-off {cutoff})")
    for name, wheels in sorted(metadata_wanted.items()):
        page = raw_page(name)
        prefetch_metadata(page, wheels - whole)
        write_bundle(name, wheels - whole, cutoff, whole)
    settings["uv-version"] = UV_VERSION
    write_settings(settings)


def add(items: list[str]) -> None:
    settings = read_settings()
    cutoff = settings["cutoff"]
    whole = set(settings.get("whole-files", []))
    for item in items:
        if item.endswith(".whl"):
            name = normalize(item.split("-")[0])
            wheels = {item}
        else:
            name, _, version = item.partition("==")
            page = raw_page(name)
            if page is None:
                raise SystemExit(f"record_index: `{name}` is not on the registry")
            versions = {version} if version else set(newest_versions(page, cutoff))
            wheels = wheels_of(page, versions, cutoff)
        page = raw_page(name)
        prefetch_metadata(page, wheels - whole)
        write_bundle(name, wheels - whole, cutoff, whole)
        log(f"{name}: recorded {len(wheels)} wheels' metadata")


def store_whole(filenames: list[str]) -> None:
    """Serves these files whole (for a client's range-request fallback), without a metadata file."""
    settings = read_settings()
    for filename in filenames:
        name = normalize(filename.split("-")[0])
        page = raw_page(name)
        file = next((file for file in page["files"] if file["filename"] == filename), None) if page else None
        if file is None:
            raise SystemExit(f"record_index: `{filename}` is not a file of `{name}`")
        if file["size"] > WHOLE_FILE_LIMIT:
            raise SystemExit(f"record_index: `{filename}` is {file['size']} bytes, over {WHOLE_FILE_LIMIT}")
    whole = set(settings.get("whole-files", [])) | set(filenames)
    settings["whole-files"] = sorted(whole)
    write_settings(settings)
    for filename in filenames:
        name = normalize(filename.split("-")[0])
        write_bundle(name, set(), settings["cutoff"], whole)
        log(f"{filename}: stored whole")


class LocalIndex:
    """`cargo xtask index-server` on a free port, for as long as the `with` block runs."""

    def __enter__(self) -> str:
        subprocess.run(["cargo", "build", "-q", "-p", "xtask"], cwd=ROOT, check=True)
        self.process = subprocess.Popen([str(ROOT / "target/debug/xtask"), "index-server", "--port", "0"], cwd=ROOT,
                                        stdout=subprocess.PIPE, text=True)
        for line in self.process.stdout:
            match = re.search(r"(http://127\.0\.0\.1:\d+)/simple/", line)
            if match:
                return match.group(1) + "/simple"
        raise RuntimeError("the index server did not start")

    def __exit__(self, *args) -> None:
        self.process.terminate()
        self.process.wait()


def expected(names: list[str], check_only: bool) -> int:
    binary = WORK / "venv/bin/uv"
    if check_only and not binary.exists() and shutil.which("uv") is None:
        log("skipped: uv is not installed (run `record_index.py expected` once to install it)")
        return 0
    binary = uv() if not check_only else (binary if binary.exists() else Path(shutil.which("uv")))
    differing = []
    with LocalIndex() as index_url:
        for case in cases(names):
            result = run_uv(binary, case, index_url)
            answer = uv_answer(result, index_url)
            target = case / "expected.txt"
            if check_only:
                same = target.exists() and target.read_text() == answer
                log(f"{case.name}: {'same' if same else 'DIFFERENT'}")
                if not same:
                    differing.append(case.name)
                    (WORK / "check").mkdir(parents=True, exist_ok=True)
                    (WORK / "check" / f"{case.name}.txt").write_text(answer)
            else:
                target.write_text(answer)
                pins = sum(1 for line in answer.splitlines() if "==" in line and not line.startswith("#"))
                log(f"{case.name}: exit {result.returncode}, {pins} pins")
    if differing:
        log(f"{len(differing)} differ: {', '.join(differing)} (uv's answers are in {WORK / 'check'})")
        return 1
    return 0


def bench_pages() -> None:
    names = [line.strip() for line in BENCH_PACKAGES_FILE.read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    for name in names:
        page = raw_page(name, refresh=True)
        # The server writes every file's `url` itself (its own /files/<filename>), so the registry's are not kept.
        for file in page["files"]:
            file.pop("url", None)
        data = json.dumps({"page": page, "metadata": {}}, separators=(",", ":")).encode()
        packed = gzip.compress(data, compresslevel=9, mtime=0)
        (BENCH_INDEX / f"{normalize(name)}.json.gz").write_bytes(packed)
        log(f"{name}: {len(data)} bytes raw, {len(packed)} compressed")


def main(arguments: list[str]) -> int:
    if not arguments or arguments[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    command, rest = arguments[0], arguments[1:]
    if command == "record":
        record(rest)
    elif command == "add":
        add(rest)
    elif command == "whole":
        store_whole(rest)
    elif command == "expected":
        return expected(rest, check_only=False)
    elif command == "check":
        return expected(rest, check_only=True)
    elif command == "bench-pages":
        bench_pages()
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
