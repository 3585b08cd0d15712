# Chat client that keeps reading while the user types (reference solution, part B).
#
# input() blocks until Enter is pressed. If the same thread also had to read
# the socket, nothing would read it while the user thinks: the receive
# buffer fills, the window closes and the server's sends stall. So a second
# thread does nothing but read the socket and print, while the main thread
# waits for the keyboard.
import os
import sys
import threading
from socket import *

SERVER_NAME = 'localhost'
SERVER_PORT = 8000


def receive(sock):
    """Prints every line from the server as it arrives; ends the program when it closes."""
    pending = b''
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            # A chunk is not a line: print the complete lines, keep the rest.
            *lines, pending = (pending + data).split(b'\n')
            if lines:
                text = '\n'.join(line.decode('utf-8', errors='replace').removesuffix('\r') for line in lines)
                print(text, flush=True)     # one write for the whole chunk
        print('(the server closed the connection)', flush=True)
    except OSError as e:
        print(f'(connection lost: {e.strerror or e})', flush=True)
    os._exit(0)


def main():
    try:
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
    # End of input (Ctrl-D): close the connection and leave.
    sock.close()
    return 0


if __name__ == '__main__':
    try:
        code = main()
        sys.stdout.flush()
        os._exit(code)
    except KeyboardInterrupt:
        os._exit(130)
