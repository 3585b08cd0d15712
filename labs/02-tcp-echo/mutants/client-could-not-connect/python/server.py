# TCP upper-case echo server (reference solution).
#
# For each connection: read bytes until the first newline, send that line
# back in upper case followed by a newline, close the connection, and go
# back to accept() the next client. One client at a time, like the seed.
from socket import *

SERVER_PORT = 12000
# The contract asks for lines up to 64 KiB. We accept more, but not without
# limit: a client that never sends a newline must not eat all our memory.
MAX_LINE = 1024 * 1024


def read_line(conn):
    """Reads from conn until the first b'\\n'.

    TCP is a byte stream: one recv() may return part of the line, or the
    line may come in many pieces. So keep calling recv() and collect the
    bytes until a newline shows up. Returns the bytes before the newline,
    or, if the client closed its end first, whatever arrived (maybe b'').
    Returns None if the line is longer than MAX_LINE.
    """
    data = bytearray()
    while True:
        chunk = conn.recv(4096)
        if not chunk:               # b'': the client closed its end (end of stream)
            return bytes(data)
        newline = chunk.find(b'\n')
        if newline >= 0:
            data += chunk[:newline]  # anything after the newline is ignored
            return bytes(data)
        data += chunk
        if len(data) > MAX_LINE:
            return None


def serve(conn):
    line = read_line(conn)
    if not line:                    # nothing sent (or far too long): just close
        return
    if line.endswith(b'\r'):        # "hello\r\n" from a Windows-style client
        line = line[:-1]
    text = line.decode('utf-8', errors='replace')
    reply = text.upper() + '\n'
    conn.sendall(reply.encode('utf-8'))   # sendall: send() may send only part
    print('Replied to', text[:60] + ('...' if len(text) > 60 else ''), flush=True)


def main():
    server_socket = socket(AF_INET, SOCK_STREAM)
    # Lets us bind the port again right after a restart, even while old
    # connections to it are still in TIME_WAIT.
    server_socket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
    server_socket.bind(('', SERVER_PORT))
    server_socket.listen(5)
    print('The server is ready to receive on port', SERVER_PORT, flush=True)
    while True:
        # The listening socket only accepts; every client gets its own
        # connection socket.
        try:
            connection_socket, addr = server_socket.accept()
        except OSError as e:
            print('accept failed:', e, flush=True)
            continue
        try:
            serve(connection_socket)
        except OSError as e:        # e.g. the client reset the connection
            print('Client', addr, 'went away:', e, flush=True)
        finally:
            connection_socket.close()


if __name__ == '__main__':
    try:
        main()
    except KeyboardInterrupt:       # Ctrl-C: stop quietly
        pass
