# MUTANT (must fail "survives-bad-clients"): the read loop has no
# `if not chunk: break`. A client that leaves before its newline makes
# recv() return b'' for ever, so the loop spins and the server never goes
# back to accept(): it still listens, but new clients wait in its queue.
from socket import *

SERVER_PORT = 12000

server_socket = socket(AF_INET, SOCK_STREAM)
server_socket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
server_socket.bind(('', SERVER_PORT))
server_socket.listen(1)
print('The server is ready to receive on port', SERVER_PORT, flush=True)
while True:
    connection_socket, addr = server_socket.accept()
    try:
        data = b''
        while b'\n' not in data:
            chunk = connection_socket.recv(4096)
            data += chunk            # the mistake: b'' (end of stream) is never checked
        line = data.split(b'\n', 1)[0].decode('utf-8', errors='replace')
        connection_socket.sendall((line.upper() + '\n').encode('utf-8'))
    except OSError as e:
        print('Client', addr, 'went away:', e, flush=True)
    finally:
        connection_socket.close()
