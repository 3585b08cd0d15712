# Broadcast chat server: starter.
#
# This runs: every client gets a thread of its own, and each line comes
# back... but only to the client that sent it. Fix the TODOs so that every
# line goes to EVERY connected client, the sender included.
import threading
from socket import *

SERVER_PORT = 2000

# TODO: a list of every connected client's socket, shared by all threads,
#       and a threading.Lock() to guard it.


def handle(conn, addr):
    """Runs in the client's own thread: reads its lines until it leaves."""
    print('Client', addr, 'connected', flush=True)
    while True:
        # TODO: recv() returns whatever bytes have arrived: part of a line,
        #       or several lines. Keep the bytes until a b'\n' arrives and
        #       send on only whole lines.
        data = conn.recv(4096)
        # TODO: b'' means the client closed its end: leave the loop (calling
        #       recv() again returns b'' at once, for ever: a busy loop).
        # TODO: send each line to every client in the list, with the lock
        #       held, and catch OSError: one dead client must not stop this
        #       thread.
        conn.sendall(data)
    # TODO: when the client leaves (end of stream, or ConnectionResetError)
    #       remove it from the list and close its socket.


def main():
    server_socket = socket(AF_INET, SOCK_STREAM)
    server_socket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
    server_socket.bind(('', SERVER_PORT))
    server_socket.listen(16)
    print('The server is ready on port', SERVER_PORT, flush=True)
    while True:
        conn, addr = server_socket.accept()
        # TODO: add conn to the list (with the lock held).
        threading.Thread(target=handle, args=(conn, addr), daemon=True).start()


if __name__ == '__main__':
    try:
        main()
    except KeyboardInterrupt:
        pass
