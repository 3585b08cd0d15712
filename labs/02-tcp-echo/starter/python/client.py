# TCP upper-case echo client: starter.
#
# This runs, but fix the TODOs: the client reads one line, sends it with a
# '\n', prints the server's whole reply line, and exits. When no server is
# listening it prints "could not connect" instead of a traceback.
from socket import *

serverName = 'localhost'
serverPort = 12000
sentence = input()
clientSocket = socket(AF_INET, SOCK_STREAM)
# TODO: 'localhost' may be ::1 (IPv6) or 127.0.0.1 (IPv4): try each address
#       (socket.create_connection does), and when none accepts, print a line
#       with "could not connect" and exit with status 1, no traceback.
clientSocket.connect((serverName, serverPort))
clientSocket.send((sentence + '\n').encode())
# TODO: the reply may arrive in pieces: read until '\n' (or b'').
modifiedSentence = clientSocket.recv(1024)
print(modifiedSentence.decode(), end='', flush=True)
clientSocket.close()
