// Mutant (load--fixed-pool) of the broadcast chat server, a single-file
// Java program: clients are served from a pool of four threads
// (Executors.newFixedThreadPool(4)), so a fifth client that connects while
// four stay connected waits for a thread that never comes free.
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

public class Server {
    static final int SERVER_PORT = 2000;

    // Prints UTF-8 whatever the terminal's locale, and flushes every println.
    static final PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);

    // One PrintWriter per connected client. Every access holds the list's
    // lock: an ArrayList changed by one thread while another walks it
    // throws ConcurrentModificationException, or skips a client.
    static final List<PrintWriter> writers = new ArrayList<>();
    static final ExecutorService pool = Executors.newFixedThreadPool(4);

    /** Sends one line, followed by '\n', to every connected client. */
    static void broadcast(String line) {
        synchronized (writers) {
            for (PrintWriter w : writers) {
                // print + '\n' rather than println, which writes the
                // platform's line separator. flush: a PrintWriter collects
                // text in its buffer and sends nothing until it is full.
                w.print(line + "\n");
                w.flush();
            }
        }
    }

    public static void main(String[] args) {
        ServerSocket serverSocket;
        try {
            serverSocket = new ServerSocket();
            serverSocket.setReuseAddress(true);
            serverSocket.bind(new InetSocketAddress(SERVER_PORT), 16);
        } catch (IOException e) {
            out.println("The server could not listen on port " + SERVER_PORT + ": " + e.getMessage());
            System.exit(1);
            return;
        }
        out.println("The server is ready on port " + SERVER_PORT);
        while (true) {
            try {
                Socket socket = serverSocket.accept();
                pool.execute(new ClientManagerThread(socket));
            } catch (IOException e) {
                out.println("accept failed: " + e.getMessage());
            }
        }
    }
}

/** Reads one client's lines, in a thread of its own, and broadcasts each. */
class ClientManagerThread extends Thread {
    private final Socket socket;

    ClientManagerThread(Socket socket) {
        this.socket = socket;
        setDaemon(true);
    }

    @Override
    public void run() {
        String who = String.valueOf(socket.getRemoteSocketAddress());
        PrintWriter writer = null;
        try (Socket s = socket) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            writer = new PrintWriter(new BufferedWriter(new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8)));
            synchronized (Server.writers) {
                Server.writers.add(writer);
            }
            Server.out.println("Client " + who + " connected");
            String line;
            // readLine() returns null at the end of the stream, and again
            // at every later call: the loop must stop there, or it spins.
            while ((line = in.readLine()) != null) {
                Server.broadcast(line);
            }
            Server.out.println("Client " + who + " left");
        } catch (IOException e) {
            // e.g. "Connection reset": only this client ends.
            Server.out.println("Client " + who + " went away: " + e.getMessage());
        } finally {
            // A client that left must leave the list, or every broadcast
            // would keep writing to its dead socket.
            if (writer != null) {
                synchronized (Server.writers) {
                    Server.writers.remove(writer);
                }
            }
        }
    }
}
