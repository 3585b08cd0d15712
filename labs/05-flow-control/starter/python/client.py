# The naive chat client of part A (provided; part B asks you to fix it).
#
# It does one thing at a time: wait for the keyboard, send the line, then
# print what the server sent meanwhile. While input() waits, nothing reads
# the socket. Type /flood to send 10,000 lines at once.
import select
import sys
from socket import *

SERVER_NAME = 'localhost'
SERVER_PORT = 8000


def print_received(sock):
    """Prints one chunk of what has arrived, waiting at most a moment."""
    if select.select([sock], [], [], 0.2)[0]:
        data = sock.recv(65536)
        if not data:
            print('(the server closed the connection)', flush=True)
            sys.exit(0)
        print(data.decode('utf-8', errors='replace'), end='', flush=True)


def main():
    try:
        sock = create_connection((SERVER_NAME, SERVER_PORT))
    except OSError as e:
        print(f'could not connect to {SERVER_NAME}:{SERVER_PORT}: {e.strerror or e}', flush=True)
        return 1
    print(f'connected to {SERVER_NAME}:{SERVER_PORT}; type your nickname, then your messages', flush=True)
    while True:
        try:
            line = input()          # blocks: nothing reads the socket meanwhile
        except EOFError:
            break
        if line == '/flood':
            for i in range(1, 10001):
                sock.sendall(f'flood line {i:04} {"." * 180}\n'.encode('utf-8'))
        else:
            sock.sendall(line.encode('utf-8') + b'\n')
        print_received(sock)
    sock.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
