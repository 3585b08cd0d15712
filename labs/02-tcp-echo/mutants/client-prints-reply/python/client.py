# MUTANT (must fail "client-prints-reply"): a client that keeps asking for
# more lines, one connection each. The contract's client does one exchange
# and exits; this one prints the reply and then waits at input() for ever
# (the keyboard stays open), so it never exits.
import sys
from socket import *

while True:                                   # the mistake: loops for more input
    try:
        sentence = input()
    except EOFError:
        break
    try:
        client_socket = create_connection(('localhost', 12000))
    except OSError as e:
        print('could not connect to localhost:12000:', e.strerror or e, flush=True)
        sys.exit(1)
    with client_socket:
        client_socket.sendall((sentence + '\n').encode('utf-8'))
        reply = bytearray()
        while b'\n' not in reply:
            chunk = client_socket.recv(4096)
            if not chunk:
                break
            reply += chunk
    print(bytes(reply).split(b'\n', 1)[0].rstrip(b'\r').decode('utf-8', errors='replace'), flush=True)
