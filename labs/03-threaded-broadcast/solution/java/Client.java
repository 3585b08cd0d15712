// Line client for the chat server (provided by the lab: you write the
// server), a single-file Java program: run it with `java Client.java`.
//
// What you type is sent, one line at a time; every line that arrives from
// the server is printed as soon as it arrives, even while you are typing.
// Two things happen at once (waiting for the keyboard, waiting for the
// network), so the client uses two threads: main reads the keyboard, a
// second thread reads the socket.
import java.io.BufferedReader;
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
    static final int SERVER_PORT = 2000;
    static final PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);

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

    public static void main(String[] args) throws InterruptedException {
        Socket socket = connect();
        if (socket == null) {
            out.println("could not connect to " + SERVER_NAME + ":" + SERVER_PORT);
            System.exit(1);
        }
        out.println("connected to " + SERVER_NAME + ":" + SERVER_PORT + "; type a line and press Enter");
        Thread receiver = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    out.println(line);
                }
                out.println("(the server closed the connection)");
            } catch (IOException e) {
                out.println("(connection lost: " + e.getMessage() + ")");
            }
            // main may be blocked reading the keyboard: leave at once.
            System.exit(0);
        });
        receiver.start();
        try {
            BufferedReader keyboard = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            OutputStream toServer = socket.getOutputStream();
            String line;
            while ((line = keyboard.readLine()) != null) {
                toServer.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                toServer.flush();
            }
            // End of input (Ctrl-D): tell the server (FIN), keep printing
            // what it still sends until it closes its side.
            socket.shutdownOutput();
        } catch (IOException e) {
            out.println("(connection lost: " + e.getMessage() + ")");
            System.exit(1);
        }
        receiver.join();
    }
}
