"""`make image-smoke`: what the serving image holds, read from its filesystem, and the image run as
its own non-root user, checked as a client would, then stopped with SIGTERM.

Where the engine runs containers, the image runs with `docker run` (or `podman run`), with a
read-only root filesystem and a tmpfs /tmp as in deploy/k8s. Where it cannot (in this sandbox the
OCI runtime cannot set RLIMIT_NPROC, so `podman run` fails), a stand-in runs it: `podman create` +
`podman mount` give the image's filesystem, bind-mounted read-only with a tmpfs /tmp, and
`chroot --userspec` starts its entrypoint with its environment, working directory and user, on the
host's network. The output says which one ran. Standard library only: it runs before anything
else is installed, with any Python 3.11.

    python deploy/image/smoke.py --engine podman --image catalogue-ml
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

# Top-level names in site-packages or the app directory that must not ship: training code and
# libraries, other non-serving packages of this repository, and Django (the docs read only the
# sidecar's static files). Distribution folders (`scikit_learn-1.9.1.dist-info`) count too.
FORBIDDEN = {
    "sklearn": "scikit-learn",
    "scikit_learn": "scikit-learn",
    "torch": "torch",
    "pandas": "pandas",
    "skl2onnx": "skl2onnx",
    "matplotlib": "matplotlib",
    "django": "Django",
    "training": "the training package",
    "catalog": "the catalogue jobs",
    "benchmarks": "the benchmarks",
    "loadtest": "the load test",
    "tests": "the tests",
}
SERVING_PACKAGES = ("contract", "inference", "server")
SERVED_MODELS = ("pattern", "category")
STAND_IN_LABEL = "catalogue-ml.base-stand-in"  # set by deploy/image/base.sh
SITE_PACKAGES = re.compile(r"(?:^|/)site-packages/([^/]+)")

BRIEF_CALL = [
    {
        "name": "ASOS CURVE Embellished Neck Dress",
        "description": "Lightweight dress by ASOS CURVE;Embroidery and bead embellishment to the top;"
        "Button detail to the back with crop style sleeves;",
        "product_id": 1026288,
    }
]
BRIEF_ANSWER = b'[{"pattern":"Embellished","product_id":1026288}]'


class SmokeFailure(Exception):
    """A check the image did not pass; the message names it."""


@dataclass(frozen=True)
class ImageConfig:
    user: str
    env: dict[str, str]
    command: list[str]  # entrypoint + cmd
    workdir: str
    labels: dict[str, str]
    healthcheck: list[str]
    size: int

    @property
    def port(self) -> int:
        return int(self.env.get("PORT", "8000"))


def sh(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True)
    if check and done.returncode != 0:
        raise SmokeFailure(f"`{' '.join(args)}` failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return done


def inspect(engine: str, image: str) -> ImageConfig:
    found = sh(engine, "image", "inspect", image, check=False)
    if found.returncode != 0:
        raise SmokeFailure(f"no image {image} in {engine}: build it first with `make image`")
    details = json.loads(found.stdout)[0]
    config = details.get("Config") or {}
    # docker keeps it in Config, podman beside it
    health = config.get("Healthcheck") or details.get("Healthcheck") or {}
    return ImageConfig(
        user=config.get("User") or "root",
        env=dict(item.split("=", 1) for item in config.get("Env") or []),
        command=(config.get("Entrypoint") or []) + (config.get("Cmd") or []),
        workdir=config.get("WorkingDir") or "/",
        labels=config.get("Labels") or {},
        healthcheck=health.get("Test") or [],
        size=int(details.get("Size", 0)),
    )


# ---- what the image holds ------------------------------------------------------------------


@dataclass(frozen=True)
class Contents:
    sizes: dict[str, int]  # bytes per top-level site-packages entry
    app: set[str]  # top-level entries of the working directory
    models: set[str]  # model directories with a model.onnx under <workdir>/artifacts
    passwd: str
    venv_bytes: int
    total_bytes: int


def read_contents(members: Iterable[tarfile.TarInfo], workdir: str, passwd: str = "") -> Contents:
    sizes: Counter[str] = Counter()
    app: set[str] = set()
    models: set[str] = set()
    venv = total = 0
    prefix = workdir.strip("/") + "/"
    for member in members:
        name = member.name.lstrip("./")
        total += member.size
        if name.startswith("opt/venv/"):
            venv += member.size
        if found := SITE_PACKAGES.search(name):
            sizes[found.group(1)] += member.size
        if name.startswith(prefix) and name != prefix:
            inside = name[len(prefix) :].split("/")
            app.add(inside[0])
            if inside[0] == "artifacts" and len(inside) == 3 and inside[2] == "model.onnx":
                models.add(inside[1])
    return Contents(dict(sizes), app, models, passwd, venv, total)


def problems(contents: Contents) -> list[str]:
    """What must not be in the image, and what must."""
    found = []
    for entry in sorted(set(contents.sizes) | contents.app):
        module = re.split(r"[-.]", entry, maxsplit=1)[0].lower()
        if module in FORBIDDEN:
            found.append(f"{entry} ships {FORBIDDEN[module]}")
    found += [f"the serving package {p} is missing" for p in SERVING_PACKAGES if p not in contents.sizes]
    found += [f"no model.onnx for {m} under artifacts/" for m in SERVED_MODELS if m not in contents.models]
    return found


def image_contents(engine: str, image: str, workdir: str) -> Contents:
    """The image's files, from `<engine> export` of a created container (works with any engine)."""
    container = sh(engine, "create", image).stdout.strip()
    try:
        exported = subprocess.Popen([engine, "export", container], stdout=subprocess.PIPE)
        assert exported.stdout is not None
        passwd = ""
        members = []
        with tarfile.open(fileobj=exported.stdout, mode="r|") as tar:
            for member in tar:
                members.append(member)
                if member.name.lstrip("./") == "etc/passwd":
                    extracted = tar.extractfile(member)
                    passwd = extracted.read().decode() if extracted else ""
        if exported.wait() != 0:
            raise SmokeFailure(f"`{engine} export` failed ({exported.returncode})")
        return read_contents(members, workdir, passwd)
    finally:
        sh(engine, "rm", "--force", container, check=False)


def user_ids(user: str, passwd: str) -> tuple[int, int]:
    """The image's USER as uid and gid, read from its own /etc/passwd."""
    name, _, group = user.partition(":")
    for line in passwd.splitlines():
        fields = line.split(":")
        if len(fields) > 3 and name in (fields[0], fields[2]):
            return int(fields[2]), int(group) if group.isdigit() else int(fields[3])
    if name.isdigit():
        return int(name), int(group) if group.isdigit() else int(name)
    raise SmokeFailure(f"the image's user {user!r} is not in its /etc/passwd")


def megabytes(n: int) -> str:
    return f"{n / 1e6:.0f} MB"


# ---- running it ------------------------------------------------------------------------------


class Running(Protocol):
    url: str
    started_at: float  # time.monotonic() when the server process was started

    def alive(self) -> bool: ...

    def uid(self) -> int | None: ...

    def stop(self, grace: float) -> int: ...  # SIGTERM, wait, exit code

    def log(self) -> str: ...


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class EngineRun:
    """`docker run` / `podman run`, root filesystem read-only and /tmp a tmpfs, as in deploy/k8s."""

    def __init__(self, engine: str, image: str, config: ImageConfig) -> None:
        self.engine = engine
        self.url = f"http://127.0.0.1:{free_port()}"
        publish = f"127.0.0.1:{self.url.rsplit(':', 1)[1]}:{config.port}"
        self.started_at = time.monotonic()
        self.id = sh(engine, "run", "--detach", "--read-only", "--tmpfs", "/tmp", "-p", publish, image).stdout.strip()

    def alive(self) -> bool:
        state = sh(self.engine, "inspect", "--format", "{{.State.Running}}", self.id, check=False)
        return state.stdout.strip() == "true"

    def uid(self) -> int | None:
        done = sh(self.engine, "exec", self.id, "id", "-u", check=False)
        return int(done.stdout) if done.returncode == 0 else None

    def stop(self, grace: float) -> int:
        sh(self.engine, "stop", "--time", str(int(grace)), self.id)
        return int(sh(self.engine, "wait", self.id).stdout.strip().splitlines()[-1])

    def log(self) -> str:
        done = sh(self.engine, "logs", self.id, check=False)
        return done.stdout + done.stderr

    def remove(self) -> None:
        sh(self.engine, "rm", "--force", self.id, check=False)


class ChrootRun:
    """The stand-in where no container can run: the image's filesystem, read-only with a tmpfs /tmp,
    and its entrypoint started by `chroot --userspec` with its environment on the host's network."""

    def __init__(self, image: str, config: ImageConfig, passwd: str, log_file: Path) -> None:
        self.container = sh("podman", "create", image).stdout.strip()
        self.root = sh("podman", "mount", self.container).stdout.strip()
        self.mounts: list[str] = []
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None
        self._mount("--bind", self.root, self.root)
        self._mount("-o", "remount,bind,ro", self.root, self.root, new=False)
        self._mount("-t", "tmpfs", "-o", "mode=1777,size=256m", "tmpfs", f"{self.root}/tmp")
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        uid, gid = user_ids(config.user, passwd)
        env = [f"{k}={v}" for k, v in {**config.env, "PORT": str(port)}.items()]
        command = ["chroot", f"--userspec={uid}:{gid}", f"--groups={gid}", self.root]
        command += ["/usr/bin/env", "-i", "-C", config.workdir, *env, *config.command]
        self.started_at = time.monotonic()
        with log_file.open("wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def _mount(self, *args: str, new: bool = True) -> None:
        sh("mount", *args)
        if new:
            self.mounts.append(args[-1])

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def uid(self) -> int | None:
        if self.process is None:
            return None
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"^Uid:\s+(\d+)", status, re.M).group(1))  # type: ignore[union-attr]

    def stop(self, grace: float) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise SmokeFailure(f"still running {grace:.0f} s after SIGTERM: killed") from None

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")

    def remove(self) -> None:
        if self.alive():
            assert self.process is not None
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        for target in reversed(self.mounts):
            sh("umount", target, check=False)
        sh("podman", "umount", self.container, check=False)
        sh("podman", "rm", "--force", self.container, check=False)


def can_run_containers(engine: str, image: str) -> str | None:
    """None if the engine runs a container of the image, else the reason it cannot."""
    done = sh(engine, "run", "--rm", "--entrypoint", "python", image, "-c", "pass", check=False)
    return None if done.returncode == 0 else (done.stderr.strip().splitlines() or ["no output"])[-1]


@contextmanager
def started(engine: str, image: str, config: ImageConfig, passwd: str, work: Path) -> Iterator[Running]:
    runner: EngineRun | ChrootRun
    reason = can_run_containers(engine, image)
    if reason is None:
        print(f"run: {engine} run, read-only root filesystem, tmpfs /tmp")
        runner = EngineRun(engine, image, config)
    elif engine == "podman":
        if os.geteuid() != 0:
            raise SmokeFailure(f"`podman run` fails ({reason}) and the stand-in must mount the image: run as root")
        print(f"run: the chroot stand-in (podman mount + chroot --userspec), because `podman run` fails here: {reason}")
        runner = ChrootRun(image, config, passwd, work / "server.log")
    else:
        raise SmokeFailure(f"`{engine} run` fails: {reason}")
    try:
        yield runner
    finally:
        runner.remove()


# ---- as a client -------------------------------------------------------------------------------


def http(url: str, body: object = None, timeout: float = 5.0) -> tuple[int, bytes]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_ready(server: Running, deadline: float) -> float:
    """Seconds from the server's start to its first 200 on /health/ready."""
    while time.monotonic() - server.started_at < deadline:
        if not server.alive():
            raise SmokeFailure("the server exited before it was ready")
        try:
            if http(server.url + "/health/ready", timeout=1.0)[0] == 200:
                return time.monotonic() - server.started_at
        except OSError:
            pass
        time.sleep(0.2)
    raise SmokeFailure(f"not ready after {deadline:.0f} s")


def png(width: int, height: int, pixel: bytes) -> bytes:
    """A grey PNG built by hand (the standard library has no image writer): a dark shape on white."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(pixel[0] if abs(x - width // 2) < width // 4 else 255 for x in range(width))
                    for _ in range(height))  # fmt: skip
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def client_checks(url: str) -> Iterator[str]:
    """Each check yields what it saw; a failing one raises."""
    status, body = http(url + "/predict", BRIEF_CALL)
    if (status, body) != (200, BRIEF_ANSWER):
        raise SmokeFailure(f"the brief's example: {status} {body[:200]!r}, expected 200 {BRIEF_ANSWER!r}")
    yield f"the brief's example: {body.decode()}"

    status, body = http(url + "/health/ready")
    if status != 200:
        raise SmokeFailure(f"/health/ready: {status} {body[:200]!r}")
    yield f"/health/ready: {body.decode()}"

    status, body = http(url + "/models")
    states = {model["name"]: model["state"] for model in json.loads(body)} if status == 200 else {}
    if any(states.get(name) != "ready" for name in SERVED_MODELS):
        raise SmokeFailure(f"/models: {status}, states {states}; expected {', '.join(SERVED_MODELS)} ready")
    yield f"/models: {', '.join(f'{name} {state}' for name, state in sorted(states.items()))}"

    photo = base64.b64encode(png(112, 112, b"\x20")).decode()
    status, body = http(url + "/predict/category", [{"product_id": 42, "image": photo}])
    if status != 200 or json.loads(body)[0].get("product_id") != 42:
        raise SmokeFailure(f"/predict/category: {status} {body[:200]!r}")
    yield f"/predict/category (a drawn 112x112 PNG): {body.decode()}"

    # The API docs read Swagger UI's files from a package whose Django the image leaves out.
    for path in ("/docs", "/docs/assets/swagger-ui-bundle.js"):
        status, body = http(url + path)
        if status != 200 or not body:
            raise SmokeFailure(f"{path}: {status} {body[:200]!r}")
    yield "/docs and its Swagger UI files: 200"

    status, body = http(url + "/v2/health/ready")
    if status != 200:
        raise SmokeFailure(f"/v2/health/ready: {status} {body[:200]!r}")
    yield "/v2/health/ready: 200"


def errors_logged(log: str) -> list[str]:
    """Log lines at ERROR or above (the server logs JSON lines; anything else is printed as is)."""
    found = []
    for line in log.splitlines():
        try:
            level = json.loads(line).get("level", "")
        except (ValueError, AttributeError):
            level = "ERROR" if "Traceback" in line else ""
        if level in ("ERROR", "CRITICAL"):
            found.append(line)
    return found


# ---- the whole smoke test --------------------------------------------------------------------


def smoke(engine: str, image: str, ready_timeout: float, stop_timeout: float) -> None:
    config = inspect(engine, image)
    base = config.labels.get(STAND_IN_LABEL)
    print(f"image {image}: {megabytes(config.size)}" + (f"; base is a stand-in: {base}" if base else ""))

    contents = image_contents(engine, image, config.workdir)
    biggest = sorted(contents.sizes.items(), key=lambda item: -item[1])[:6]
    print(
        f"contents: {megabytes(contents.total_bytes)} of files, {megabytes(contents.venv_bytes)} in /opt/venv; "
        f"largest packages: {', '.join(f'{name} {megabytes(size)}' for name, size in biggest)}"
    )
    if found := problems(contents):
        raise SmokeFailure("the image holds what it must not, or lacks what it must: " + "; ".join(found))
    print(f"contents: serving packages {', '.join(SERVING_PACKAGES)}; models {', '.join(sorted(contents.models))}; "
          f"none of {', '.join(sorted(set(FORBIDDEN.values())))}")  # fmt: skip
    if not any("/health/ready" in part for part in config.healthcheck):
        raise SmokeFailure(f"the image's HEALTHCHECK does not probe /health/ready: {config.healthcheck}")
    uid, _ = user_ids(config.user, contents.passwd)
    if uid == 0:
        raise SmokeFailure(f"the image runs as root (USER {config.user!r})")

    with tempfile.TemporaryDirectory() as work, started(engine, image, config, contents.passwd, Path(work)) as server:
        try:
            print(f"ready in {wait_ready(server, ready_timeout):.1f} s at {server.url}")
            if server.uid() != uid:
                raise SmokeFailure(f"the server runs as uid {server.uid()}, not the image's user {config.user} ({uid})")
            print(f"runs as {config.user} (uid {uid})")
            for seen in client_checks(server.url):
                print(f"ok  {seen}")
            stopping = time.monotonic()
            code = server.stop(stop_timeout)
            print(f"SIGTERM: exited with {code} after {time.monotonic() - stopping:.1f} s")
            if code != 0:
                raise SmokeFailure(f"exit code {code} after SIGTERM, expected 0")
            if logged := errors_logged(server.log()):
                raise SmokeFailure("errors in the server's log:\n" + "\n".join(logged[:10]))
        except SmokeFailure:
            print("---- the server's log (last 30 lines) ----\n" + "\n".join(server.log().splitlines()[-30:]))
            raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["docker", "podman"], required=True)
    parser.add_argument("--image", default="catalogue-ml")
    parser.add_argument("--ready-timeout", type=float, default=180.0, help="seconds to wait for /health/ready")
    parser.add_argument("--stop-timeout", type=float, default=60.0, help="seconds from SIGTERM to exit")
    args = parser.parse_args(argv)
    started_at = time.monotonic()
    try:
        smoke(args.engine, args.image, args.ready_timeout, args.stop_timeout)
    except SmokeFailure as failure:
        print(f"image-smoke FAILED: {failure}")
        return 1
    print(f"image-smoke passed in {time.monotonic() - started_at:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
