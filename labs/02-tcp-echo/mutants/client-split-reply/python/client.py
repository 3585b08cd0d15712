# MUTANT (must fail "client-split-reply"): prints whatever the first
# recv(1024) returned, as if one recv() were the whole reply. When the reply
# arrives in pieces, only the first piece is printed.
import sys
from socket import *

sentence = sys.stdin.readline().rstrip('\r\n')
try:
    client_socket = create_connection(('localhost', 12000))
except OSError as e:
    print('could not connect to localhost:12000:', e.strerror or e, flush=True)
    sys.exit(1)
try:
    client_socket.sendall((sentence + '\n').encode('utf-8'))
    reply = client_socket.recv(1024)          # the mistake: one recv() is not one line
except OSError as e:
    print('connection to the server was lost:', e.strerror or e, flush=True)
    sys.exit(1)
finally:
    client_socket.close()
print(reply.decode('utf-8', errors='replace').rstrip('\r\n'), flush=True)
