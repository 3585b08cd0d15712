# Line client for the chat server (provided by the lab: you write the server).
#
# What you type is sent, one line at a time; every line that arrives from
# the server is printed as soon as it arrives, even while you are typing.
# Two things happen at once (waiting for the keyboard, waiting for the
# network), so the client uses two threads: the main one reads the
# keyboard, a second one reads the socket.
import os
import sys
import threading
from socket import *

SERVER_NAME = 'localhost'
SERVER_PORT = 8000


def receive(sock):
    """Prints every line from the server; ends the program when it closes."""
    try:
        with sock.makefile('r', encoding='utf-8', errors='replace', newline='\n') as lines:
            for line in lines:
                print(line.rstrip('\r\n'), flush=True)
        print('(the server closed the connection)', flush=True)
    except OSError as e:
        print(f'(connection lost: {e.strerror or e})', flush=True)
    # The main thread may be blocked reading the keyboard: leave at once.
    os._exit(0)


def main():
    try:
        # Tries every address of 'localhost' (::1 and 127.0.0.1) in turn.
        sock = create_connection((SERVER_NAME, SERVER_PORT))
    except OSError as e:
        print(f'could not connect to {SERVER_NAME}:{SERVER_PORT}: {e.strerror or e}', flush=True)
        return 1
    print(f'connected to {SERVER_NAME}:{SERVER_PORT}; type your nickname, then your messages', flush=True)
    threading.Thread(target=receive, args=(sock,), daemon=True).start()
    try:
        for line in sys.stdin:
            sock.sendall(line.rstrip('\r\n').encode('utf-8') + b'\n')
    except OSError:
        return 1
    # End of input (Ctrl-D): say so to the server (FIN), and keep printing
    # what it still sends until it closes its side.
    sock.shutdown(SHUT_WR)
    threading.Event().wait()


if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        os._exit(130)
