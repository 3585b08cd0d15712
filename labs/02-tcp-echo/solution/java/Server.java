// TCP upper-case echo server (reference solution), a single-file Java
// program: run it with `java Server.java`.
//
// For each connection: read bytes until the first newline, send that line
// back in upper case followed by a newline, close the connection, and go
// back to accept() the next client. One client at a time, like the seed.
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

public class Server {
    static final int SERVER_PORT = 12000;
    // The contract asks for lines up to 64 KiB. We accept more, but not
    // without limit: a client that never sends a newline must not eat all
    // our memory.
    static final int MAX_LINE = 1024 * 1024;

    // Prints UTF-8 whatever the terminal's locale, and flushes every println.
    static final PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);

    /**
     * Reads from the connection until the first '\n'.
     *
     * TCP is a byte stream: one read() may return part of the line, or the
     * line may come in many pieces. So keep calling read() and collect the
     * bytes until a newline shows up. Returns the bytes before the newline,
     * or, if the client closed its end first, whatever arrived (maybe
     * nothing). Returns null if the line is longer than MAX_LINE.
     *
     * (BufferedReader.readLine() would also end a line at a lone '\r', has
     * no length limit, and returns null at the end of the stream.)
     */
    static byte[] readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] chunk = new byte[4096];
        while (true) {
            int n = in.read(chunk);
            if (n == -1) {              // -1: the client closed its end (end of stream)
                return line.toByteArray();
            }
            for (int i = 0; i < n; i++) {
                if (chunk[i] == '\n') {
                    line.write(chunk, 0, i);   // anything after the newline is ignored
                    return line.toByteArray();
                }
            }
            line.write(chunk, 0, n);
            if (line.size() > MAX_LINE) {
                return null;
            }
        }
    }

    static void serve(Socket connectionSocket) throws IOException {
        byte[] line = readLine(connectionSocket.getInputStream());
        if (line == null || line.length == 0) {
            return;                     // nothing sent (or far too long): just close
        }
        int length = line.length;
        if (line[length - 1] == '\r') { // "hello\r\n" from a Windows-style client
            length--;
        }
        // Decode the whole line at once: a piece may end in the middle of a
        // multi-byte UTF-8 character. Locale.ROOT: the same upper case on
        // every machine (in a Turkish locale "i" would become a dotted "İ").
        String text = new String(line, 0, length, StandardCharsets.UTF_8);
        String reply = text.toUpperCase(Locale.ROOT) + "\n";
        OutputStream toClient = connectionSocket.getOutputStream();
        toClient.write(reply.getBytes(StandardCharsets.UTF_8));   // write() sends every byte
        toClient.flush();
        out.println("Replied to " + (text.length() > 60 ? text.substring(0, 60) + "..." : text));
    }

    public static void main(String[] args) {
        ServerSocket serverSocket;
        try {
            serverSocket = new ServerSocket();
            // Lets us bind the port again right after a restart, even while
            // old connections to it are still in TIME_WAIT.
            serverSocket.setReuseAddress(true);
            // No address given: every interface ('' / 0.0.0.0, and :: too).
            serverSocket.bind(new InetSocketAddress(SERVER_PORT), 5);
        } catch (IOException e) {
            out.println("The server could not listen on port " + SERVER_PORT + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        out.println("The server is ready to receive on port " + SERVER_PORT);
        while (true) {
            // The listening socket only accepts; every client gets its own
            // connection socket.
            Socket connectionSocket;
            try {
                connectionSocket = serverSocket.accept();
            } catch (IOException e) {
                out.println("accept failed: " + e.getMessage());
                continue;
            }
            // try-with-resources closes the connection socket in every case,
            // and an IOException (e.g. the client reset the connection) ends
            // only this client, not the server.
            try (Socket s = connectionSocket) {
                serve(s);
            } catch (IOException e) {
                out.println("Client " + connectionSocket.getRemoteSocketAddress() + " went away: " + e.getMessage());
            }
        }
    }
}
