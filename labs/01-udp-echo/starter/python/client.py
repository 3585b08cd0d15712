# UDP upper-case echo client: starter.
#
# This runs, but fix the TODOs: the client reads one line, sends it as one
# datagram to localhost:12000, prints the reply and exits with status 0.
# When no reply comes within 1 second it prints "timed out" and exits with
# status 1 (no traceback).
from socket import *

serverName = 'localhost'
serverPort = 12000
clientSocket = socket(AF_INET, SOCK_DGRAM)
message = input()
# TODO: UDP may lose the datagram or the reply, and then recvfrom() below
#       waits for ever. Set a 1 second timeout (clientSocket.settimeout(1))
#       and catch the `timeout` exception that recvfrom() then raises:
#       print a line with "timed out" and exit with status 1.
clientSocket.sendto(message.encode(), (serverName, serverPort))
modifiedMessage, serverAddress = clientSocket.recvfrom(2048)
print(modifiedMessage.decode(), flush=True)
clientSocket.close()
