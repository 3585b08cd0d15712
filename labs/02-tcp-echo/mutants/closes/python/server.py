# MUTANT (must fail "closes"): answers correctly but never closes the
# connection socket, so the client never sees the end of the stream. (The
# socket only goes away when Python reuses the variable for the next client.)
from socket import *

SERVER_PORT = 12000


def read_line(conn):
    data = bytearray()
    while b'\n' not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return bytes(data).split(b'\n', 1)[0].rstrip(b'\r')


def main():
    server_socket = socket(AF_INET, SOCK_STREAM)
    server_socket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
    server_socket.bind(('', SERVER_PORT))
    server_socket.listen(5)
    print('The server is ready to receive', flush=True)
    while True:
        connection_socket, addr = server_socket.accept()
        try:
            line = read_line(connection_socket)
            if line:
                text = line.decode('utf-8', errors='replace')
                connection_socket.sendall((text.upper() + '\n').encode('utf-8'))
        except OSError as e:
            print('Client', addr, 'went away:', e, flush=True)
        # the mistake: no connection_socket.close()


main()
