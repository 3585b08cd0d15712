# Mutant (concurrent--history): a newcomer is first sent every line said
# before it joined (a history the contract does not ask for), so its first
# line is someone else's.
import threading
from socket import *

SERVER_PORT = 2000
# A line longer than this is cut off from its client: a client that never
# sends a newline must not eat all our memory.
MAX_LINE = 1024 * 1024

clients = []                  # the connection sockets of every connected client
history = []                  # every line sent so far
clients_lock = threading.Lock()


def broadcast(line):
    """Sends one line (bytes ending in b'\\n') to every connected client.

    The lock is held while we walk the list, so no thread adds or removes a
    client half-way through, and while we send, so two threads never write
    to one socket at the same time: each line leaves in one piece.
    """
    with clients_lock:
        history.append(line)
        for conn in list(clients):
            try:
                conn.sendall(line)
            except OSError:
                # That client is gone (its own thread will notice the end of
                # stream and clean up); the others still get the line.
                pass


def handle(conn, addr):
    """Runs in the client's own thread: reads its lines until it leaves."""
    print('Client', addr, 'connected', flush=True)
    try:
        pending = b''
        while True:
            chunk = conn.recv(4096)
            if not chunk:          # b'': the client closed its end. Stop reading:
                break              # calling recv() again would return b'' for ever.
            pending += chunk
            # A chunk may hold part of a line, or several lines: only the
            # complete ones (up to b'\n') are sent on, the rest waits.
            *lines, pending = pending.split(b'\n')
            for line in lines:
                broadcast(line.rstrip(b'\r') + b'\n')
            if len(pending) > MAX_LINE:
                break
    except OSError as e:           # e.g. ConnectionResetError: the client reset
        print('Client', addr, 'went away:', e, flush=True)
    finally:
        # A client that left must leave the list too, or every later
        # broadcast would try to send to a dead socket.
        with clients_lock:
            clients.remove(conn)
        conn.close()
        print('Client', addr, 'left', flush=True)


def main():
    server_socket = socket(AF_INET, SOCK_STREAM)
    server_socket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
    server_socket.bind(('', SERVER_PORT))
    server_socket.listen(16)
    print('The server is ready on port', SERVER_PORT, flush=True)
    while True:
        conn, addr = server_socket.accept()
        # Added before its thread starts, so it receives every line sent
        # from now on.
        with clients_lock:
            for line in history:
                conn.sendall(line)
            clients.append(conn)
        # daemon: Ctrl-C on the main thread ends the whole server.
        threading.Thread(target=handle, args=(conn, addr), daemon=True).start()


if __name__ == '__main__':
    try:
        main()
    except KeyboardInterrupt:
        pass
