// Broadcast chat server: starter, a single-file Java program: run it with
// `java Server.java`.
//
// This runs: every client gets a ClientManagerThread of its own, and each
// line comes back... but only to the client that sent it. Fix the TODOs so
// that every line goes to EVERY connected client, the sender included.
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

public class Server {
    static final int SERVER_PORT = 2000;

    // TODO: a list of every client's PrintWriter, shared by all threads:
    //   static final List<PrintWriter> writers = new ArrayList<>();
    // and every use of it inside synchronized (writers) { ... }.

    public static void main(String[] args) throws IOException {
        ServerSocket serverSocket = new ServerSocket();
        serverSocket.setReuseAddress(true);
        serverSocket.bind(new InetSocketAddress(SERVER_PORT), 16);
        System.out.println("The server is ready on port " + SERVER_PORT);
        while (true) {
            Socket socket = serverSocket.accept();
            new ClientManagerThread(socket).start();
        }
    }
}

/** Reads one client's lines, in a thread of its own. */
class ClientManagerThread extends Thread {
    private final Socket socket;

    ClientManagerThread(Socket socket) {
        this.socket = socket;
    }

    @Override
    public void run() {
        try {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            PrintWriter writer = new PrintWriter(new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8));
            // TODO: add writer to the shared list.
            while (true) {
                String line = in.readLine();
                // TODO: readLine() returns null when the client has closed its
                //       side, and null again at once on every later call: leave
                //       the loop, or this thread spins a core for ever.
                // TODO: send the line to every writer in the list (print the
                //       line and "\n", then flush each one).
                writer.print(line + "\n");
                writer.flush(); // without flush the line waits in the writer's buffer
            }
        } catch (IOException e) {
            // TODO: a reset lands here: print a short message, not a stack trace.
            e.printStackTrace();
        }
        // TODO: when the client leaves, remove its writer from the list and
        //       close its socket.
    }
}
