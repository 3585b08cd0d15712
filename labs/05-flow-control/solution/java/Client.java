// Chat client that keeps reading while the user types (reference solution,
// part B), a single-file Java program: run it with `java Client.java`.
//
// It is the Android chat client without the phone. On Android the UI thread
// must never wait for the network; here the keyboard is the UI: the main
// thread waits for the keyboard, and a background thread reads the socket
// and prints every line as soon as it arrives.
import java.io.BufferedReader;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

public class Client {
    static final String SERVER_NAME = "localhost";
    static final int SERVER_PORT = 8000;
    static final PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 65536), false, StandardCharsets.UTF_8);

    /** Tries every address of the name ('localhost' may be ::1 or 127.0.0.1). */
    static Socket connect() {
        try {
            for (InetAddress address : InetAddress.getAllByName(SERVER_NAME)) {
                Socket s = new Socket();
                try {
                    s.connect(new InetSocketAddress(address, SERVER_PORT), 2000);
                    return s;
                } catch (IOException e) {
                    s.close();
                }
            }
        } catch (IOException e) {
            // the name did not resolve: same message below
        }
        return null;
    }

    public static void main(String[] args) {
        Socket socket = connect();
        if (socket == null) {
            out.println("could not connect to " + SERVER_NAME + ":" + SERVER_PORT);
            out.flush();
            System.exit(1);
        }
        out.println("connected to " + SERVER_NAME + ":" + SERVER_PORT + "; type your nickname, then your messages");
        out.flush();
        Thread receiver = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (out) {
                        out.println(line);
                        // Flush when nothing more is waiting: a flood is printed in big writes.
                        if (!in.ready()) out.flush();
                    }
                }
                synchronized (out) {
                    out.println("(the server closed the connection)");
                    out.flush();
                }
            } catch (IOException e) {
                // the main thread closed the socket at the end of input
            }
            System.exit(0);
        });
        receiver.setDaemon(true);
        receiver.start();
        try {
            BufferedReader keyboard = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            OutputStream toServer = socket.getOutputStream();
            String line;
            while ((line = keyboard.readLine()) != null) {
                toServer.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                toServer.flush();
            }
            // End of input (Ctrl-D): close the connection and leave.
            socket.close();
        } catch (IOException e) {
            synchronized (out) {
                out.println("(connection lost: " + e.getMessage() + ")");
                out.flush();
            }
            System.exit(1);
        }
        synchronized (out) {
            out.flush();
        }
        System.exit(0);
    }
}
