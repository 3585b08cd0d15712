# MUTANT (must fail "client-could-not-connect"): a good client, except that
# it does not expect the server to be missing. connect() raises
# ConnectionRefusedError and the user sees a traceback instead of
# "could not connect".
import sys
from socket import *

sentence = sys.stdin.readline().rstrip('\r\n')
client_socket = create_connection(('localhost', 12000))   # the mistake: no try/except OSError
client_socket.sendall((sentence + '\n').encode('utf-8'))
reply = bytearray()
while b'\n' not in reply:
    chunk = client_socket.recv(4096)
    if not chunk:
        break
    reply += chunk
client_socket.close()
print(bytes(reply).split(b'\n', 1)[0].rstrip(b'\r').decode('utf-8', errors='replace'), flush=True)
