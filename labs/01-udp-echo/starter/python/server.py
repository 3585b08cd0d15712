# UDP upper-case echo server: starter.
#
# This runs, but it does not do the job yet. Fix the TODOs so that, for
# every datagram, the server sends back ONE datagram holding the same text
# IN UPPER CASE, to the address that datagram came from, for ever.
from socket import *

serverPort = 12000
serverSocket = socket(AF_INET, SOCK_DGRAM)
serverSocket.bind(('', serverPort))
print('The server is ready to receive', flush=True)
while True:
    # recvfrom() returns one whole datagram and the sender's (ip, port).
    message, clientAddress = serverSocket.recvfrom(2048)
    # TODO: a datagram that is not valid UTF-8 makes decode() raise
    #       UnicodeDecodeError and stops the server. Try
    #       message.decode('utf-8', errors='replace').
    modifiedMessage = message.decode()
    # TODO: reply in upper case (str.upper()).
    serverSocket.sendto(modifiedMessage.encode(), clientAddress)
