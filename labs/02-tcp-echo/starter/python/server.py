# TCP upper-case echo server: starter.
#
# This runs, but it does not do the job yet. Fix the TODOs so that, for each
# connection, the server reads one whole line, sends it back IN UPPER CASE
# followed by '\n', closes the connection and goes on accepting.
from socket import *

serverPort = 12000
serverSocket = socket(AF_INET, SOCK_STREAM)
# Lets Run restart the server at once, while old connections to the port
# are still in TIME_WAIT (without it: "Address already in use").
serverSocket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
serverSocket.bind(('', serverPort))
serverSocket.listen(1)
print('The server is ready to receive', flush=True)
while True:
    connectionSocket, addr = serverSocket.accept()
    # TODO: one recv() is not one message: TCP is a byte stream. Keep
    #       reading until the first b'\n' (the line may come in pieces).
    #       recv() returns b'' when the client has closed its end.
    sentence = connectionSocket.recv(1024).decode()
    # TODO: reply with the line in upper case, followed by '\n'.
    connectionSocket.send(sentence.encode())
    # TODO: a client that resets the connection must not stop the server.
    connectionSocket.close()
