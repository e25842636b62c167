"""The seccomp filter of every namespaced child: system calls no submission
needs fail with EPERM, a program libseccomp builds for this machine's
architecture, handed to bwrap (or loaded by a zygote's child after the fork)."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os

DENIED_SYSCALLS = (
    "ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2", "pivot_root", "chroot", "kexec_load",
    "kexec_file_load", "bpf", "keyctl", "add_key", "request_key", "perf_event_open", "userfaultfd", "unshare",
    "setns", "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff", "acct", "quotactl",
    "name_to_handle_at", "open_by_handle_at", "iopl", "ioperm", "lookup_dcookie", "fanotify_init", "syslog",
    "settimeofday", "clock_settime", "adjtimex", "mknod", "mknodat", "personality",
    # the new mount API, and io_uring (a second way to every call above)
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
)
NAMESPACE_FLAGS = {"CLONE_NEWNS": 0x00020000, "CLONE_NEWCGROUP": 0x02000000, "CLONE_NEWUTS": 0x04000000,
                   "CLONE_NEWIPC": 0x08000000, "CLONE_NEWUSER": 0x10000000, "CLONE_NEWPID": 0x20000000,
                   "CLONE_NEWNET": 0x40000000}
"""clone() with any of these fails with EPERM: no new namespace (and no
capabilities inside one) by another door than unshare. clone3() takes its
flags in memory a filter cannot read, so it fails with ENOSYS, and the C
library falls back to clone() for threads and forks."""


@functools.cache
def seccomp_program() -> bytes | None:
    """The BPF program refusing ``DENIED_SYSCALLS`` with EPERM, built with
    libseccomp for this machine's architecture; None without libseccomp."""
    try:
        lib = ctypes.CDLL("libseccomp.so.2")  # by soname: find_library would run ldconfig
    except OSError:
        name = ctypes.util.find_library("seccomp")
        if name is None:
            return None
        lib = ctypes.CDLL(name)
    try:
        lib.seccomp_init.restype = ctypes.c_void_p
        lib.seccomp_init.argtypes = [ctypes.c_uint32]
        lib.seccomp_rule_add.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint]
        lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
        lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.seccomp_release.argtypes = [ctypes.c_void_p]
        lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                               ctypes.c_void_p]

        class ArgCmp(ctypes.Structure):  # struct scmp_arg_cmp
            _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                        ("datum_b", ctypes.c_uint64)]

        allow, errno_eperm, errno_enosys, masked_eq = 0x7FFF0000, 0x00050000 | 1, 0x00050000 | 38, 7
        ctx = lib.seccomp_init(allow)
        if not ctx:
            return None
        try:
            for syscall in DENIED_SYSCALLS:
                number = lib.seccomp_syscall_resolve_name(syscall.encode())
                if number >= 0 and lib.seccomp_rule_add(ctx, errno_eperm, number, 0) != 0:
                    return None
            clone3 = lib.seccomp_syscall_resolve_name(b"clone3")
            if clone3 >= 0 and lib.seccomp_rule_add(ctx, errno_enosys, clone3, 0) != 0:
                return None
            clone = lib.seccomp_syscall_resolve_name(b"clone")
            for flag in NAMESPACE_FLAGS.values():
                rule = ArgCmp(0, masked_eq, flag, flag)  # (flags & flag) == flag
                if clone >= 0 and lib.seccomp_rule_add_array(ctx, errno_eperm, clone, 1, ctypes.byref(rule)) != 0:
                    return None
            read, write = os.pipe()
            try:
                if lib.seccomp_export_bpf(ctx, write) != 0:
                    return None
                os.close(write)
                write = -1
                chunks = []
                while chunk := os.read(read, 65536):
                    chunks.append(chunk)
                return b"".join(chunks)
            finally:
                os.close(read)
                if write != -1:
                    os.close(write)
        finally:
            lib.seccomp_release(ctx)
    except (OSError, AttributeError):
        return None


def seccomp_fd() -> int | None:
    """A file descriptor holding the seccomp program, for bwrap's ``--seccomp``
    (the caller closes it once the child has started)."""
    program = seccomp_program()
    if program is None:
        return None
    fd = os.memfd_create("grade-seccomp", 0) if hasattr(os, "memfd_create") else None
    if fd is None:
        return None
    os.write(fd, program)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
