// The naive chat server of part A (provided; part C asks you to fix it), a
// single-file Java program: run it with `java Server.java`.
//
// A thread per client, and the broadcast writes to each client in turn,
// holding the lock: a write to a client that stopped reading blocks once
// its buffers are full, and every other thread waits for the lock.
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

public class Server {
    static final int SERVER_PORT = 8000;
    /** Every named client: its output stream -> nickname. */
    static final Map<OutputStream, String> members = new LinkedHashMap<>();

    static void broadcast(String line) {
        byte[] data = (line + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (members) {
            for (OutputStream out : members.keySet()) {
                try {
                    out.write(data); // blocks while this client's buffers are full
                    out.flush();
                } catch (IOException e) {
                    // gone: its own thread cleans up
                }
            }
        }
    }

    static void serve(Socket socket) {
        String nick = null;
        OutputStream out = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
            out = socket.getOutputStream();
            String line;
            while ((line = in.readLine()) != null) {
                if (nick == null) {
                    if (line.trim().isEmpty()) continue;
                    nick = line.trim();
                    synchronized (members) {
                        members.put(out, nick);
                    }
                    broadcast("* " + nick + " joined the chat");
                } else if (!line.isEmpty()) {
                    broadcast("[" + nick + "] " + line);
                }
            }
        } catch (IOException e) {
            // a reset: a departure
        }
        boolean was;
        synchronized (members) {
            was = out != null && members.remove(out) != null;
        }
        if (was) broadcast("* " + nick + " left the chat");
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    public static void main(String[] args) throws IOException {
        try (ServerSocket listener = new ServerSocket(SERVER_PORT)) {
            System.out.println("The chat server is ready on port " + SERVER_PORT);
            while (true) {
                Socket socket = listener.accept();
                new Thread(() -> serve(socket)).start();
            }
        }
    }
}
