// TCP upper-case echo client (reference solution), a single-file Java
// program: run it with `java Client.java`.
//
// Reads one line from the keyboard (stdin), sends it to the server followed
// by a newline, prints the server's one-line reply and exits.
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

public class Client {
    static final String SERVER_NAME = "localhost";
    static final int SERVER_PORT = 12000;

    // Prints UTF-8 whatever the terminal's locale, and flushes every println.
    static final PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);

    // 'localhost' may mean ::1 (IPv6) as well as 127.0.0.1 (IPv4). Try
    // every address it resolves to, in order, until one accepts.
    // (new Socket("localhost", port) would try only the first one.)
    static Socket connect() throws IOException {
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(SERVER_NAME);
        } catch (UnknownHostException e) {
            addresses = new InetAddress[] {InetAddress.getByName("::1"), InetAddress.getByName("127.0.0.1")};
        }
        IOException last = null;
        for (InetAddress address : addresses) {
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(address, SERVER_PORT), 5000);
                return socket;
            } catch (IOException e) {
                socket.close();
                last = e;
            }
        }
        throw last;
    }

    public static void main(String[] args) {
        String sentence;
        try {
            BufferedReader keyboard = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            sentence = keyboard.readLine();
        } catch (IOException e) {
            sentence = null;
        }
        if (sentence == null) {         // end of input before a line: send an empty one
            sentence = "";
        }

        Socket clientSocket;
        try {
            clientSocket = connect();
        } catch (IOException e) {
            out.println("could not connect to " + SERVER_NAME + ":" + SERVER_PORT + ": " + e.getMessage());
            System.exit(1);
            return;
        }

        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        try (Socket s = clientSocket) {
            OutputStream toServer = s.getOutputStream();
            toServer.write((sentence + "\n").getBytes(StandardCharsets.UTF_8));
            toServer.flush();
            // The reply is one line: keep reading until its newline arrives
            // (or the server closes the connection). One read() may not be
            // enough.
            InputStream fromServer = s.getInputStream();
            byte[] chunk = new byte[4096];
            while (true) {
                int n = fromServer.read(chunk);
                if (n == -1) {
                    break;
                }
                reply.write(chunk, 0, n);
                if (indexOfNewline(chunk, n) >= 0) {
                    break;
                }
            }
        } catch (IOException e) {
            out.println("connection to the server was lost: " + e.getMessage());
            System.exit(1);
            return;
        }

        byte[] bytes = reply.toByteArray();
        if (bytes.length == 0) {
            out.println("the server closed the connection without replying");
            System.exit(1);
            return;
        }
        int end = indexOfNewline(bytes, bytes.length);
        if (end < 0) {
            end = bytes.length;
        }
        if (end > 0 && bytes[end - 1] == '\r') {
            end--;
        }
        out.println(new String(bytes, 0, end, StandardCharsets.UTF_8));
        out.flush();
        // main() returns: the program ends with exit code 0, even though the
        // keyboard (stdin) is still open.
    }

    static int indexOfNewline(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
