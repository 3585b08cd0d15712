# Mutant (end-of-input--close-while-recv): it sees the end of input and calls
# close(), but its reader thread (not a daemon) is blocked in recv() on that
# socket: on Linux the close() then ends neither the connection nor the
# recv(), and the thread keeps the program alive.
import socket, sys, threading

s = socket.create_connection(('localhost', 8000))

def reader():
    try:
        while True:
            data = s.recv(65536)
            if not data:
                break
            sys.stdout.write(data.decode('utf-8', 'replace'))
            sys.stdout.flush()
    except OSError:
        pass

threading.Thread(target=reader).start()
for line in sys.stdin:
    s.sendall(line.encode())
s.close()
