# MUTANT (must fail "long-line"): reads until the newline, as it should, but
# stops at the size of its old recv(1024) buffer: "a line is never longer
# than my buffer". A longer line is cut off and answered in part.
from socket import *

SERVER_PORT = 12000
MAX_LINE = 1024          # the mistake: the contract allows lines of 64 KiB


def read_line(conn):
    data = bytearray()
    while b'\n' not in data and len(data) < MAX_LINE:
        chunk = conn.recv(1024)
        if not chunk:
            break
        data += chunk
    return bytes(data[:MAX_LINE]).split(b'\n', 1)[0].rstrip(b'\r')


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
        finally:
            connection_socket.close()


main()
