"""(a) Ports: free loopback ports, and waiting until one is free again."""

from __future__ import annotations

import socket
import time

from tests.e2e.harness.common import HarnessError


def port_is_free(port: int) -> bool:
    """True if nothing listens on ``port`` on any interface (the Playground binds all of them)."""
    for family, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        try:
            with socket.socket(family, socket.SOCK_STREAM) as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((addr, port))
        except OSError:
            if family == socket.AF_INET6 and not socket.has_ipv6:
                continue
            return False
    return True


def free_port() -> int:
    """A port that is free on all interfaces right now (ask the kernel, then double-check)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port_is_free(port):
            return port
    raise HarnessError("could not find a free port")


def free_ports(n: int) -> list[int]:
    """``n`` distinct free ports."""
    ports: list[int] = []
    while len(ports) < n:
        p = free_port()
        if p not in ports:
            ports.append(p)
    return ports


def wait_port_free(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not port_is_free(port):
        if time.monotonic() > deadline:
            raise HarnessError(f"port {port} still in use after {timeout}s")
        time.sleep(0.05)
