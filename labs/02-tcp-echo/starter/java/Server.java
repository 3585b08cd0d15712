// TCP upper-case echo server: starter (a single-file Java program, run with
// `java Server.java`).
//
// This runs, but it does not do the job yet. Fix the TODOs so that, for each
// connection, the server reads one whole line, sends it back IN UPPER CASE
// followed by '\n', closes the connection and goes on accepting.
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

public class Server {
    public static void main(String[] args) throws Exception {
        int serverPort = 12000;
        ServerSocket serverSocket = new ServerSocket();
        // Lets Run restart the server at once, while old connections to the
        // port are still in TIME_WAIT (without it: "Address already in use").
        serverSocket.setReuseAddress(true);
        serverSocket.bind(new InetSocketAddress(serverPort));
        System.out.println("The server is ready to receive");
        System.out.flush();
        while (true) {
            Socket connectionSocket = serverSocket.accept();
            InputStream fromClient = connectionSocket.getInputStream();
            OutputStream toClient = connectionSocket.getOutputStream();
            // TODO: one read() is not one message: TCP is a byte stream. Keep
            //       reading until the first '\n' (the line may come in pieces).
            //       read() returns -1 when the client has closed its end.
            byte[] buffer = new byte[1024];
            int n = fromClient.read(buffer);
            String sentence = new String(buffer, 0, Math.max(n, 0), StandardCharsets.UTF_8);
            // TODO: reply with the line in upper case, followed by '\n'.
            toClient.write(sentence.getBytes(StandardCharsets.UTF_8));
            // TODO: a client that resets the connection makes read() throw an
            //       IOException, which must not stop the server.
            connectionSocket.close();
        }
    }
}
