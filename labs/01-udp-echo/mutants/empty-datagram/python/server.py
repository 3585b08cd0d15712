# MUTANT (must fail "empty-datagram"):
# TCP habit: treats an empty recvfrom() result as "the other side closed"
# and stops. UDP has no end of stream: b'' is just an empty datagram.
#
# UDP upper-case echo server: a known-wrong version (see above).
#
# For every datagram that arrives, send exactly one datagram back to the
# address it came from, holding the same text in upper case. There is no
# connection: one socket serves every client, and each reply goes to the
# address that recvfrom() returned for that very datagram.
from socket import *

SERVER_PORT = 12000
# The largest datagram the lab promises to handle. A datagram longer than
# the buffer given to recvfrom() is cut short (the rest is lost), so the
# buffer must be at least this big.
MAX_DATAGRAM = 2048


def main():
    server_socket = socket(AF_INET, SOCK_DGRAM)
    server_socket.bind(('', SERVER_PORT))       # every interface, port 12000
    print('The server is ready to receive on port', SERVER_PORT, flush=True)
    while True:
        # One recvfrom() is one whole datagram, and the address of whoever
        # sent it: (ip, port). An empty datagram gives b'' -- that is a
        # message too (UDP has no "end of stream"), so it gets a reply.
        message, client_address = server_socket.recvfrom(MAX_DATAGRAM)
        # Not every datagram holds valid UTF-8. errors='replace' turns bad
        # bytes into U+FFFD instead of raising UnicodeDecodeError, which
        # would stop the server.
        if not message:
            break
        text = message.decode('utf-8', errors='replace')
        reply = text.upper().encode('utf-8')
        try:
            server_socket.sendto(reply, client_address)
        except OSError as e:                    # never let one client stop us
            print('could not reply to', client_address, ':', e, flush=True)
            continue
        shown = text if len(text) <= 60 else text[:60] + '...'
        print('Replied to', client_address, repr(shown), flush=True)


if __name__ == '__main__':
    try:
        main()
    except KeyboardInterrupt:       # Ctrl-C: stop quietly
        pass
