# Mutant: at the end of input it closes its socket and returns, but its
# reader thread (not a daemon) still waits in recv() on that socket: close()
# does not end a connection a call still uses, so no FIN goes out, and the
# thread keeps the program alive. A student's usual first client.
import sys
import threading
from socket import *

SERVER_NAME = 'localhost'
SERVER_PORT = 8000


def receive(sock):
    """Prints every line from the server as it arrives."""
    pending = b''
    while True:
        data = sock.recv(65536)
        if not data:
            break
        *lines, pending = (pending + data).split(b'\n')
        if lines:
            print('\n'.join(line.decode('utf-8', errors='replace') for line in lines), flush=True)


def main():
    sock = create_connection((SERVER_NAME, SERVER_PORT))
    print(f'connected to {SERVER_NAME}:{SERVER_PORT}; type your nickname, then your messages', flush=True)
    threading.Thread(target=receive, args=(sock,)).start()
    while True:
        try:
            line = input()
        except EOFError:
            break
        sock.sendall(line.encode('utf-8') + b'\n')
    sock.close()


main()
