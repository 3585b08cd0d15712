# MUTANT (must fail "listens"): calls recv() on the listening socket
# instead of on the connection socket that accept() returned. The listening
# socket only accepts; recv() on it raises "Transport endpoint is not
# connected" and the server crashes at its first client.
from socket import *

SERVER_PORT = 12000

server_socket = socket(AF_INET, SOCK_STREAM)
server_socket.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
server_socket.bind(('', SERVER_PORT))
server_socket.listen(5)
print('The server is ready to receive on port', SERVER_PORT, flush=True)
while True:
    connection_socket, addr = server_socket.accept()
    sentence = server_socket.recv(1024)      # the mistake: the wrong socket
    connection_socket.sendall(sentence.upper())
    connection_socket.close()
