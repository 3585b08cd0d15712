// Chat server that one slow client cannot stall (reference solution), a
// single-file Java program: run it with `java Server.java`.
//
// A thread per client reads its lines (as in lab 3). Writing is where a
// slow client hurts: a blocking write to a client that stopped reading
// waits for ever. So every client also has a bounded queue and a writer
// thread of its own; the broadcast only offers a line to each queue, never
// waits, and a client whose queue is full is dropped.
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

public class Server {
    static final int SERVER_PORT = 8000;
    /** Lines a client may fall behind before it is dropped. */
    static final int MAX_BACKLOG = 1000;
    static final List<Member> members = new ArrayList<>();

    static class Member {
        final String nick;
        final Socket socket;
        final BlockingQueue<byte[]> queue = new ArrayBlockingQueue<>(MAX_BACKLOG);

        Member(String nick, Socket socket) {
            this.nick = nick;
            this.socket = socket;
            Thread writer = new Thread(this::sendQueued);
            writer.setDaemon(true);
            writer.start();
        }

        /** Only this thread waits for this client. */
        void sendQueued() {
            try {
                OutputStream out = socket.getOutputStream();
                while (true) {
                    byte[] data = queue.take();
                    out.write(data);
                    if (queue.isEmpty()) out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // gone: its reader thread cleans up
            }
        }
    }

    /** Offers one line to every member; never waits. */
    static void broadcast(String line) {
        byte[] data = (line + "\n").getBytes(StandardCharsets.UTF_8);
        List<Member> slow = new ArrayList<>();
        synchronized (members) {
            for (Member m : members) if (!m.queue.offer(data)) slow.add(m);
        }
        for (Member m : slow) leave(m);
    }

    /** Removes a member (once) and tells the others. */
    static void leave(Member m) {
        synchronized (members) {
            if (!members.remove(m)) return;
        }
        try {
            m.socket.close();
        } catch (IOException e) {
            // already closed
        }
        broadcast("* " + m.nick + " left the chat");
    }

    static void serve(Socket socket) {
        Member me = null;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (me == null) {
                    String nick = line.trim();
                    if (nick.isEmpty()) continue;
                    me = new Member(nick, socket);
                    synchronized (members) {
                        members.add(me);
                    }
                    broadcast("* " + nick + " joined the chat");
                } else if (!line.isEmpty()) {
                    broadcast("[" + me.nick + "] " + line);
                }
            }
        } catch (IOException e) {
            // a reset, or dropped: a departure either way
        }
        if (me != null) leave(me);
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
