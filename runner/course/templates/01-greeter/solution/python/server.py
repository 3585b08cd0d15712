# TCP greeter server (reference solution): reads one line, a name, per
# connection and answers "hello, <name>\n".
from socket import *

SERVER_PORT = 12100


def read_line(conn):
    """Reads until the first b'\\n' (a line may arrive in pieces)."""
    data = bytearray()
    while b'\n' not in data and len(data) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return bytes(data).split(b'\n', 1)[0].rstrip(b'\r').decode('utf-8', errors='replace')


def main():
    server_socket = socket(AF_INET, SOCK_STREAM)
    server_socket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
    server_socket.bind(('', SERVER_PORT))
    server_socket.listen(5)
    print('The server is ready on port', SERVER_PORT, flush=True)
    while True:
        conn, addr = server_socket.accept()
        try:
            name = read_line(conn)
            conn.sendall(f'hello, {name}\n'.encode('utf-8'))
        except OSError as e:
            print('Client', addr, 'went away:', e, flush=True)
        finally:
            conn.close()


if __name__ == '__main__':
    try:
        main()
    except KeyboardInterrupt:
        pass
