# UDP upper-case echo client (reference solution).
#
# Reads one line from the keyboard (stdin), sends it as one datagram to
# localhost:12000, prints the reply and exits. UDP may lose the datagram or
# the reply, so the client waits at most one second.
import sys
from socket import *

SERVER_NAME = 'localhost'
SERVER_PORT = 12000
TIMEOUT_S = 1.0


def main():
    # readline() keeps the '\n': the datagram holds the text only.
    sentence = sys.stdin.readline().rstrip('\r\n')

    client_socket = socket(AF_INET, SOCK_DGRAM)
    # Without a timeout, recvfrom() waits for ever if the datagram or the
    # reply was lost. With it, recvfrom() raises `timeout` after 1 second.
    client_socket.settimeout(TIMEOUT_S)
    try:
        client_socket.sendto(sentence.encode('utf-8'), (SERVER_NAME, SERVER_PORT))
        reply, server_address = client_socket.recvfrom(2048)
    except timeout:
        print(f'Request timed out: no reply from {SERVER_NAME}:{SERVER_PORT} within {TIMEOUT_S:g} s', flush=True)
        return 1
    except OSError as e:
        print(f'could not talk to {SERVER_NAME}:{SERVER_PORT}: {e.strerror or e}', flush=True)
        return 1
    finally:
        client_socket.close()

    print(reply.decode('utf-8', errors='replace'), flush=True)
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:       # Ctrl-C: stop quietly
        sys.exit(130)
