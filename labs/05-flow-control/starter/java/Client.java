// The naive chat client of part A (provided; part B asks you to fix it), a
// single-file Java program: run it with `java Client.java`.
//
// One thread does everything in turn: wait for the keyboard, send the line,
// then print what the server sent meanwhile. While readLine() waits for the
// keyboard, nothing reads the socket. Type /flood to send 10,000 lines at once.
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

public class Client {
    static final String SERVER_NAME = "localhost";
    static final int SERVER_PORT = 8000;

    public static void main(String[] args) throws InterruptedException {
        Socket socket;
        try {
            socket = new Socket(SERVER_NAME, SERVER_PORT);
        } catch (IOException e) {
            System.out.println("could not connect to " + SERVER_NAME + ":" + SERVER_PORT);
            System.exit(1);
            return;
        }
        System.out.println("connected to " + SERVER_NAME + ":" + SERVER_PORT + "; type your nickname, then your messages");
        try {
            BufferedReader keyboard = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            OutputStream toServer = socket.getOutputStream();
            String line;
            while ((line = keyboard.readLine()) != null) { // blocks: nothing reads the socket meanwhile
                if (line.equals("/flood")) {
                    for (int i = 1; i <= 10000; i++) {
                        toServer.write(String.format("flood line %04d %s\n", i, ".".repeat(180)).getBytes(StandardCharsets.UTF_8));
                    }
                } else {
                    toServer.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                }
                toServer.flush();
                Thread.sleep(200);
                if (in.ready()) { // one chunk of what arrived meanwhile
                    char[] chunk = new char[65536];
                    System.out.print(new String(chunk, 0, in.read(chunk)));
                    System.out.flush();
                }
            }
            socket.close();
        } catch (IOException e) {
            System.out.println("(connection lost: " + e.getMessage() + ")");
            System.exit(1);
        }
    }
}
