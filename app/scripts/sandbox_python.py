"""The Python language runner, loaded inside a sandbox child (stdlib only; never imported by the app).

`prepare()` imports the modules scripts may use while files are still reachable; `start()` installs an
audit hook that refuses files, sockets, processes and new imports, then compiles the script;
`call()` runs `handle(data)` in fresh globals each time, so one payload never sees another's state.
The hook and the import list give clear messages; the real walls are the OS layers (sandbox_harden).
"""
from __future__ import annotations

import builtins
import importlib
import io
import sys
import traceback

# What a script may import: data handling only. Each is imported before the walls go up.
ALLOWED_MODULES = (
    "base64", "binascii", "bisect", "calendar", "collections", "copy", "csv", "dataclasses", "datetime",
    "decimal", "difflib", "enum", "fractions", "functools", "hashlib", "heapq", "hmac", "html", "itertools",
    "json", "math", "operator", "random", "re", "statistics", "string", "struct", "textwrap", "time",
    "typing", "unicodedata", "urllib.parse", "uuid", "xml.etree.ElementTree", "zlib", "_strptime",
)
_REMOVED_BUILTINS = ("open", "input", "breakpoint", "help", "exit", "quit", "copyright", "credits", "license")
# Audit events refused once user code may run (PEP 578): exact names, then prefixes.
_REFUSED_EVENTS = {"open", "import", "sys.settrace", "sys.setprofile", "sys.addaudithook", "code.__new__",
                   "builtins.input", "urllib.Request"}
_REFUSED_PREFIXES = ("os.", "socket.", "subprocess.", "ctypes.", "shutil.", "gc.get_", "marshal.", "pickle.",
                     "mmap.", "resource.", "signal.", "ftplib.", "http.", "smtplib.", "sqlite3.", "pty.", "fcntl.",
                     "syslog.", "cpython.", "_posixsubprocess.")
_WORDS = {"open": "opening files", "os.": "operating-system calls", "socket.": "network access",
          "subprocess.": "starting programs", "_posixsubprocess.": "starting programs", "import": "importing modules",
          "ctypes.": "native code"}
# Parent packages must be importable too: `from xml.etree import ElementTree`.
_IMPORTABLE = set(ALLOWED_MODULES) | {"collections.abc", "xml", "xml.etree", "urllib"}


class Refused(PermissionError):
    pass


class ScriptFailure(Exception):
    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


_state: dict = {"armed": False, "code": None, "safe_builtins": None}


def _describe(event: str) -> str:
    for prefix, words in _WORDS.items():
        if event == prefix or (prefix.endswith(".") and event.startswith(prefix)):
            return words
    return event


def _hook(event: str, args: tuple) -> None:
    if not _state["armed"]:
        return
    if event in _REFUSED_EVENTS or event.startswith(_REFUSED_PREFIXES):
        what = args[0] if args and isinstance(args[0], str) else ""
        raise Refused(f"not allowed in a script: {_describe(event)}" + (f" ({what!r})" if what else ""))


def _guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0 and name in _IMPORTABLE and name in sys.modules:
        return sys.modules[name] if fromlist else sys.modules[name.partition(".")[0]]
    raise ImportError(f"import of '{name}' is not allowed in a script. Allowed modules: "
                      f"{', '.join(m for m in ALLOWED_MODULES if not m.startswith('_'))}.")


def prepare() -> None:
    for name in sorted(_IMPORTABLE):
        importlib.import_module(name)
    safe = {k: v for k, v in vars(builtins).items() if k not in _REMOVED_BUILTINS}
    safe["__import__"] = _guarded_import
    _state["safe_builtins"] = safe
    sys.addaudithook(_hook)


def start(code: str) -> None:
    """Arm the hook and compile; a syntax error is raised as SyntaxError for the caller to report."""
    _state["armed"] = True
    _state["code"] = compile(code, "<script>", "exec")


def _user_traceback(exc: BaseException) -> str:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == "<script>"]
    where = f" (line {frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def call(data: dict) -> tuple[object, list[str]]:
    """handle(data) -> (returned value, printed lines). Raises ScriptFailure with a readable message."""
    printed = io.StringIO()
    sys.stdout = sys.__stdout__ = printed  # print() goes to the run log, never to the parent's pipe
    env = {"__builtins__": _state["safe_builtins"], "__name__": "script"}
    try:
        exec(_state["code"], env)  # noqa: S102 - the user's script, inside the sandbox child
        handle = env.get("handle")
        if not callable(handle):
            raise ScriptFailure("contract", "The script must define a function handle(data) that returns the data.")
        result = handle(data)
    except ScriptFailure:
        raise
    except MemoryError:
        raise ScriptFailure("memory", "MemoryError") from None
    except RecursionError as exc:
        raise ScriptFailure("runtime", _user_traceback(exc)) from None
    except Refused as exc:
        raise ScriptFailure("denied", str(exc)) from None
    except ImportError as exc:
        raise ScriptFailure("denied", str(exc)) from None
    except BaseException as exc:  # noqa: BLE001 - any failure of user code is reported, never raised on
        raise ScriptFailure("runtime", _user_traceback(exc)) from None
    lines = [line for line in printed.getvalue().splitlines() if line.strip()]
    return result, lines

