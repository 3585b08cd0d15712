// TCP upper-case echo client: starter (a single-file Java program, run with
// `java Client.java`).
//
// This runs, but fix the TODOs: the client reads one line, sends it with a
// '\n', prints the server's whole reply line, and exits. When no server is
// listening it prints "could not connect" instead of a stack trace.
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

public class Client {
    public static void main(String[] args) throws Exception {
        String serverName = "localhost";
        int serverPort = 12000;
        BufferedReader keyboard = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String sentence = keyboard.readLine();
        // TODO: 'localhost' may be ::1 (IPv6) or 127.0.0.1 (IPv4), and
        //       new Socket(name, port) tries only the first address: try each
        //       one (InetAddress.getAllByName). When none accepts, print a line
        //       with "could not connect" and exit with status 1 (System.exit(1)),
        //       no stack trace.
        Socket clientSocket = new Socket(serverName, serverPort);
        OutputStream toServer = clientSocket.getOutputStream();
        toServer.write((sentence + "\n").getBytes(StandardCharsets.UTF_8));
        // TODO: the reply may arrive in pieces: read until '\n' (or -1).
        InputStream fromServer = clientSocket.getInputStream();
        byte[] buffer = new byte[1024];
        int n = fromServer.read(buffer);
        System.out.print(new String(buffer, 0, Math.max(n, 0), StandardCharsets.UTF_8));
        System.out.flush();
        clientSocket.close();
    }
}
