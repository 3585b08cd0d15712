# Mutant: does not exit at the end of input. sys.stdin.readline() returns ''
# at the end of input, every time, at once; this loop takes that for an
# empty line and goes on for ever, connection open.
import os
import sys
import threading
from socket import *


def receive(sock):
    with sock.makefile('r', encoding='utf-8', errors='replace', newline='\n') as lines:
        for line in lines:
            print(line.rstrip('\r\n'), flush=True)
    os._exit(0)


sock = create_connection(('localhost', 8000))
threading.Thread(target=receive, args=(sock,), daemon=True).start()
while True:
    line = sys.stdin.readline().rstrip('\r\n')
    if line:
        sock.sendall(line.encode('utf-8') + b'\n')
