"""Operating-system confinement of a sandbox child, applied by the child to itself (stdlib only).

The parent starts the child with an empty environment in an empty temporary directory; the child then
calls these in order: `enter_namespaces()` while it is still single-threaded, loads its language
runtime, and `lock_down()` before it touches user code. Each layer reports whether it took effect, so
the test panel and docs/scripts.md can say exactly which protections a given host provides.
"""
from __future__ import annotations

import ctypes
import errno
import os
import resource

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
CLONE_THREAD = 0x00010000
PR_SET_NO_NEW_PRIVS = 38
NOBODY = 65534

_SCMP_ACT_ALLOW = 0x7FFF0000
_SCMP_CMP_NE = 1
_SCMP_CMP_MASKED_EQ = 7

# Denied outright: new sockets (sending on descriptors opened before the filter stays possible: V8
# wakes its own threads through one), running programs, new processes, other processes' memory, kernel
# interfaces that could widen the cage, and raising limits.
DENIED_SYSCALLS = (
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4", "execve", "execveat", "fork", "vfork",
    "ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2", "pivot_root", "chroot", "unshare",
    "setns", "init_module",
    "finit_module", "delete_module", "kexec_load", "kexec_file_load", "bpf", "perf_event_open", "keyctl",
    "add_key", "request_key", "userfaultfd", "open_by_handle_at", "name_to_handle_at", "setrlimit", "acct",
    "swapon", "swapoff", "reboot", "syslog", "iopl", "ioperm", "quotactl", "io_uring_setup", "io_uring_enter",
    "io_uring_register", "personality", "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid",
    "setgroups", "mknod", "mknodat", "creat", "mkdir", "mkdirat", "rmdir", "unlink", "unlinkat", "rename",
    "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat", "chmod", "fchmod", "fchmodat", "chown",
    "fchown", "lchown", "fchownat", "truncate", "utimensat", "utimes", "futimesat",
)


class _Cmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("a", ctypes.c_uint64), ("b", ctypes.c_uint64)]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def enter_namespaces() -> dict:
    """A private, empty network namespace (no interfaces but a downed loopback), and a user namespace
    when the worker is not root. Must run before any thread starts."""
    libc = _libc()
    if os.geteuid() == 0 and libc.unshare(CLONE_NEWNET | CLONE_NEWNS) == 0:
        return {"network_namespace": True, "user_namespace": False}
    uid, gid = os.geteuid(), os.getegid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS) == 0:
        try:  # map ourselves to nobody inside, so nothing in the namespace runs as "root"
            with open("/proc/self/setgroups", "w") as f:
                f.write("deny")
            with open("/proc/self/uid_map", "w") as f:
                f.write(f"{NOBODY} {uid} 1")
            with open("/proc/self/gid_map", "w") as f:
                f.write(f"{NOBODY} {gid} 1")
        except OSError:
            pass
        return {"network_namespace": True, "user_namespace": True}
    return {"network_namespace": False, "user_namespace": False}


def _status_bytes(field: str) -> int:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def memory_baseline() -> dict:
    """Address space and data size in use now, read before the file system disappears."""
    return {"vm_size": _status_bytes("VmSize:"), "vm_data": _status_bytes("VmData:")}


def _chroot(root: str) -> bool:
    libc = _libc()
    if libc.chroot(root.encode()) != 0:
        return False
    os.chdir("/")
    return True


def _drop_privileges() -> bool:
    if os.geteuid() != 0:
        return True
    try:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    except OSError:
        return False
    return os.geteuid() == NOBODY


def _set(limit: int, soft: int, hard: int | None = None) -> bool:
    try:
        resource.setrlimit(limit, (soft, soft if hard is None else hard))
        return True
    except (OSError, ValueError):
        return False


def _load_seccomp():
    # Loaded before the file system disappears; find_library would start a program, so the name is fixed.
    for name in ("libseccomp.so.2", "libseccomp.so"):
        try:
            return ctypes.CDLL(name, use_errno=True)
        except OSError:
            continue
    return None


def _seccomp(lib, libc) -> bool:
    if lib is None:
        return False
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                           ctypes.POINTER(_Cmp)]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    ctx = lib.seccomp_init(_SCMP_ACT_ALLOW)
    if not ctx:
        return False

    def deny(name: str, code: int, *cmps: _Cmp) -> bool:
        number = lib.seccomp_syscall_resolve_name(name.encode())
        if number < 0:
            return True  # not a system call on this architecture
        array = (_Cmp * len(cmps))(*cmps) if cmps else None
        return lib.seccomp_rule_add_array(ctx, 0x00050000 | code, number, len(cmps), array) == 0

    ok = all(deny(name, errno.EPERM) for name in DENIED_SYSCALLS)
    # Threads stay possible (V8 needs them); a new process does not. clone3 hides its flags in
    # memory the filter cannot read, so it reports "not implemented" and libc falls back to clone.
    ok &= deny("clone", errno.EPERM, _Cmp(0, _SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0))
    ok &= deny("clone3", errno.ENOSYS)
    for flag in (os.O_WRONLY, os.O_RDWR, os.O_CREAT, os.O_TRUNC, os.O_APPEND):
        ok &= deny("openat", errno.EACCES, _Cmp(2, _SCMP_CMP_MASKED_EQ, flag, flag))
        ok &= deny("open", errno.EACCES, _Cmp(1, _SCMP_CMP_MASKED_EQ, flag, flag))
    ok &= deny("prlimit64", errno.EPERM, _Cmp(2, _SCMP_CMP_NE, 0, 0))
    ok = ok and libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 and lib.seccomp_load(ctx) == 0
    lib.seccomp_release(ctx)
    return bool(ok)


def lock_down(root: str, *, cpu_seconds: int, memory_bytes: int, memory_kind: str, baseline: dict,
              single_process: bool) -> dict:
    """Hide the file system, drop root, cap resources and filter system calls. Returns what took effect."""
    seccomp = _load_seccomp()
    libc = _libc()
    report = {"file_system_hidden": _chroot(root)}
    report["unprivileged"] = _drop_privileges()
    limits_ok = _set(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 1)
    limits_ok &= _set(resource.RLIMIT_FSIZE, 0)
    limits_ok &= _set(resource.RLIMIT_CORE, 0)
    if memory_kind == "address_space":
        limits_ok &= _set(resource.RLIMIT_AS, baseline["vm_size"] + memory_bytes)
    else:  # V8 reserves terabytes of address space up front; its real allocations count as data
        limits_ok &= _set(resource.RLIMIT_DATA, baseline["vm_data"] + memory_bytes)
    if single_process:
        _set(resource.RLIMIT_NPROC, 0)
    report["resource_limits"] = limits_ok
    report["system_call_filter"] = _seccomp(seccomp, libc)
    return report
