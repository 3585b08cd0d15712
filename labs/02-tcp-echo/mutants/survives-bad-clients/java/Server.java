// MUTANT (must fail "survives-bad-clients"): the textbook Java TCPServer,
// with a check for readLine() returning null (a client that left without
// sending a line). But nothing catches an IOException ("main throws
// Exception"): a client that resets the connection makes readLine() throw
// a SocketException, and that one client ends the whole server with a
// stack trace.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

public class Server {
    public static void main(String[] args) throws Exception {   // the mistake: nothing is caught
        ServerSocket welcomeSocket = new ServerSocket();
        welcomeSocket.setReuseAddress(true);
        welcomeSocket.bind(new InetSocketAddress(12000));
        System.out.println("The server is ready to receive");
        while (true) {
            Socket connectionSocket = welcomeSocket.accept();
            BufferedReader inFromClient = new BufferedReader(
                    new InputStreamReader(connectionSocket.getInputStream(), StandardCharsets.UTF_8));
            OutputStream outToClient = connectionSocket.getOutputStream();
            String clientSentence = inFromClient.readLine();   // throws on a reset
            if (clientSentence != null && !clientSentence.isEmpty()) {
                String capitalizedSentence = clientSentence.toUpperCase(Locale.ROOT) + "\n";
                outToClient.write(capitalizedSentence.getBytes(StandardCharsets.UTF_8));
            }
            connectionSocket.close();
        }
    }
}
