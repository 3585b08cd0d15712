# MUTANT (must fail "split-line"): the seed's single recv(1024), now with
# .upper() and a newline. It answers whatever the first recv() returned, as
# if one recv() were one message, and closes the connection in the middle
# of a line that arrives in pieces.
from socket import *

serverPort = 12000
serverSocket = socket(AF_INET, SOCK_STREAM)
serverSocket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
serverSocket.bind(('', serverPort))
serverSocket.listen(1)
print('The server is ready to receive', flush=True)
while True:
    connectionSocket, addr = serverSocket.accept()
    try:
        sentence = connectionSocket.recv(1024).decode('utf-8', errors='replace')   # the mistake
        line = sentence.split('\n', 1)[0].rstrip('\r')
        if line:
            connectionSocket.sendall((line.upper() + '\n').encode('utf-8'))
    except OSError as e:
        print('Client', addr, 'went away:', e, flush=True)
    finally:
        connectionSocket.close()
