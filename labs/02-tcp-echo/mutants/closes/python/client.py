# TCP upper-case echo client (reference solution).
#
# Reads one line from the keyboard (stdin), sends it to the server followed
# by a newline, prints the server's one-line reply and exits.
import sys
from socket import *

SERVER_NAME = 'localhost'
SERVER_PORT = 12000


def main():
    sentence = sys.stdin.readline().rstrip('\r\n')

    # 'localhost' may mean ::1 (IPv6) as well as 127.0.0.1 (IPv4).
    # create_connection() tries every address getaddrinfo() returns, in
    # order, until one accepts the connection.
    try:
        client_socket = create_connection((SERVER_NAME, SERVER_PORT))
    except OSError as e:
        print(f'could not connect to {SERVER_NAME}:{SERVER_PORT}: {e.strerror or e}', flush=True)
        return 1

    try:
        client_socket.sendall((sentence + '\n').encode('utf-8'))
        # The reply is one line: keep reading until its newline arrives (or
        # the server closes the connection). One recv() may not be enough.
        reply = bytearray()
        while b'\n' not in reply:
            chunk = client_socket.recv(4096)
            if not chunk:
                break
            reply += chunk
    except OSError as e:
        print(f'connection to the server was lost: {e.strerror or e}', flush=True)
        return 1
    finally:
        client_socket.close()

    if not reply:
        print('the server closed the connection without replying', flush=True)
        return 1
    line = bytes(reply).split(b'\n', 1)[0]
    if line.endswith(b'\r'):
        line = line[:-1]
    print(line.decode('utf-8', errors='replace'), flush=True)
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:       # Ctrl-C: stop quietly
        sys.exit(130)
