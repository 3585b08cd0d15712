# TCP greeter server: starter.
#
# It accepts connections but does not answer yet. For each connection, read
# one line (a name) and send back "hello, <name>\n".
from socket import *

serverPort = 12100
serverSocket = socket(AF_INET, SOCK_STREAM)
serverSocket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
serverSocket.bind(('', serverPort))
serverSocket.listen(1)
print('The server is ready on port', serverPort, flush=True)
while True:
    connectionSocket, addr = serverSocket.accept()
    # TODO: read the name up to '\n' and send back 'hello, <name>\n'.
    connectionSocket.close()
