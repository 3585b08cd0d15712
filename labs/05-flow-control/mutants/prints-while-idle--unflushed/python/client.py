# Mutant (prints-while-idle--unflushed): a thread reads the socket, as it
# should, but writes the bytes to sys.stdout.buffer and never flushes: they
# wait in its 8 KiB buffer, and the join announcement is never printed.
import socket, sys, threading, os

s = socket.create_connection(('localhost', 8000))

def reader():
    while True:
        data = s.recv(65536)
        if not data:
            break
        sys.stdout.buffer.write(data)   # no flush: bytes wait in the 8 KiB buffer
    os._exit(0)

threading.Thread(target=reader, daemon=True).start()
for line in sys.stdin:
    s.sendall(line.encode())
s.close()
sys.stdout.flush()
os._exit(0)
