"""Closing a shared listening socket without resetting a connection.

gunicorn's workers share one listening socket. Connections whose handshake the kernel has
completed wait in its accept queue; when the last worker closes the socket, the kernel resets
them, although their clients have already sent their requests. So before the workers stop
accepting, the socket is told to drop new SYN packets (a classic BPF socket filter): from then
on no handshake starts, clients see a refused connection (a clean signal to go elsewhere), and
the workers accept everything already queued. Only done when the gunicorn master has closed its
own copy of the socket, i.e. the whole server is stopping: on a reload (HUP) the master keeps
the socket for the new workers, and the filter would starve them."""

from __future__ import annotations

import ctypes
import os
import socket
import struct
from pathlib import Path

SO_ATTACH_FILTER = 26  # linux/asm-generic/socket.h
_SYN, _ACK = 0x02, 0x10
# The filter sees the TCP header at offset 0; byte 13 holds the flags.
_PROGRAM = [
    (0x30, 0, 0, 13),  # ldb [13]             A = TCP flags
    (0x54, 0, 0, _SYN | _ACK),  # and #SYN|ACK
    (0x15, 0, 1, _SYN),  # jeq #SYN, drop, keep   a SYN without ACK opens a connection
    (0x06, 0, 0, 0),  # drop: ret #0
    (0x06, 0, 0, 0xFFFFFFFF),  # keep: ret #-1 (the whole packet)
]


class _SockFprog(ctypes.Structure):  # struct sock_fprog
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def refuse_new_connections(sock: socket.socket) -> None:
    """Drop SYNs on this listening socket (and so on every copy of it): handshakes already under
    way complete and are queued for accept; no new one starts."""
    instructions = b"".join(struct.pack("HBBI", *instruction) for instruction in _PROGRAM)
    buffer = ctypes.create_string_buffer(instructions, len(instructions))
    program = _SockFprog(len(_PROGRAM), ctypes.addressof(buffer))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, bytes(program))  # the kernel copies it


def master_has_closed(sock: socket.socket) -> bool:
    """Whether the parent process (the gunicorn master) no longer holds this socket: it closes its
    listeners only when the whole server stops. Unknown (no /proc) counts as 'still holds'."""
    target = f"socket:[{os.fstat(sock.fileno()).st_ino}]"
    try:
        fds = list(Path(f"/proc/{os.getppid()}/fd").iterdir())
    except OSError:
        return False
    return target not in _links(fds)


def _links(fds: list[Path]) -> set[str]:
    links = set()
    for fd in fds:
        try:
            links.add(os.readlink(fd))
        except OSError:  # closed meanwhile
            continue
    return links
