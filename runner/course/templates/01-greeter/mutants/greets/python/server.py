# MUTANT (must fail "greets"): answers "hi" instead of "hello". A mutant is
# a plausible wrong program; the check named after its folder must catch it.
from socket import *

server_socket = socket(AF_INET, SOCK_STREAM)
server_socket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
server_socket.bind(('', 12100))
server_socket.listen(5)
print('The server is ready', flush=True)
while True:
    conn, addr = server_socket.accept()
    try:
        name = conn.recv(4096).split(b'\n', 1)[0].decode('utf-8', errors='replace')
        conn.sendall(f'hi, {name}\n'.encode('utf-8'))   # the mistake: "hi", not "hello"
    except OSError:
        pass
    finally:
        conn.close()
