#!/usr/bin/env python3
"""A unix-socket proxy in front of Redis that loses the reply to a flush.

    redis_reply_cutter.py LISTEN_SOCKET REDIS_SOCKET [CUTS]

Forwards every connection to the real Redis.  The first CUTS times (default 1)
a client sends EVALSHA, the proxy forwards the command, lets Redis execute it,
reads and throws away Redis's reply, and closes the client's connection: the
client cannot know whether its flush was applied.  Later traffic is forwarded
untouched.  Prints "cut" to stdout each time it cuts.
"""
import os
import select
import socket
import sys
import threading
import time

listen_path, redis_path = sys.argv[1], sys.argv[2]
cuts_left = [int(sys.argv[3]) if len(sys.argv) > 3 else 1]
lock = threading.Lock()


def drain(sock, quiet_for=0.3):
    """Reads whatever arrives until the socket stays quiet for quiet_for seconds."""
    sock.setblocking(False)
    deadline = time.time() + quiet_for
    while time.time() < deadline:
        r, _, _ = select.select([sock], [], [], 0.05)
        if r:
            try:
                if not sock.recv(65536):
                    return
            except BlockingIOError:
                pass
            deadline = time.time() + quiet_for


def serve(client):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.connect(redis_path)
    try:
        while True:
            r, _, _ = select.select([client, server], [], [])
            if client in r:
                data = client.recv(65536)
                if not data:
                    return
                cut = False
                if b"\r\n$7\r\nEVALSHA\r\n" in data:  # the command itself, not a mention
                    with lock:
                        if cuts_left[0] > 0:
                            cuts_left[0] -= 1
                            cut = True
                server.sendall(data)
                if cut:
                    drain(server)  # Redis ran the script; its reply is lost
                    print("cut", flush=True)
                    return
            if server in r:
                data = server.recv(65536)
                if not data:
                    return
                client.sendall(data)
    finally:
        client.close()
        server.close()


if os.path.exists(listen_path):
    os.unlink(listen_path)
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind(listen_path)
listener.listen(16)
while True:
    conn, _ = listener.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
