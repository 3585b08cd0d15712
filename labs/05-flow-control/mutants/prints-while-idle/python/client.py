# Mutant: input() before reading. One thread waits for the keyboard, then
# reads one reply: while the user types nothing, nothing reads the socket.
import sys
from socket import *

sock = create_connection(('localhost', 8000))
lines = sock.makefile('r', encoding='utf-8', newline='\n')
while True:
    try:
        typed = input()
    except EOFError:
        break
    sock.sendall(typed.encode('utf-8') + b'\n')
    print(lines.readline().rstrip('\n'), flush=True)
sock.close()
