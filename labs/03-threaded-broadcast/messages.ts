/**
 * The words of lab 03's grader in every language: its checks (checks.ts)
 * and the room of grader clients (room.ts, shared with lab 04). Check names
 * as the lessons print them (site/i18n/ko-glossary.md); the lines the
 * clients send and receive stay as they are.
 */
import { defineMessages } from '../../runner/grader/api.ts';

export default defineMessages(
  {
    'check.listens': 'listens on port 2000',
    'check.echo': 'sends a line back to its sender',
    'check.concurrent': 'serves a second client while the first stays connected',
    'check.broadcast': 'sends each line to every client, the sender included',
    'check.splitLine': 'keeps a line whole when it arrives in two pieces',
    'check.unchanged': 'sends each line unchanged: spaces, empty lines, a character cut between two pieces',
    'check.load': '5 clients sending 200 lines each at once: every line intact, in order (3 rounds)',
    'check.cleanDisconnect': 'keeps serving the others after a client leaves',
    'check.reset': 'keeps serving the others after a client resets its connection',
    'check.idleAfterLeave': 'goes back to idle after a client leaves (no busy loop)',
    'check.lateJoiner': 'a client that joins later receives the lines sent after it joined',
    'why.afterOneClient': 'after one client connected and left',
    'event.splitChar': 'A sent {text} in two pieces, the first of them ending inside the character "한"',
    'hint.splitChar':
      'Text on the wire is UTF-8, where "한" is three bytes, and a piece of a line may end inside a character. Decode a line only once it is whole (keep the bytes until "\\n", then decode), or read through a decoder that keeps an unfinished character for the next piece (makefile() in Python, an InputStreamReader in Java, setEncoding(\'utf8\') in Node).',
    'hint.unchanged':
      'Send each line exactly as it arrived, followed by "\\n": do not strip() its spaces, and do not skip an empty line (a "\\n" alone is a line too). Only the "\\n", and a "\\r" just before it, are not part of the line.',
    'busy.java':
      "After readLine() returns null (the client closed its side), stop: leave the loop, remove the client's writer from the list, close its socket and let the thread end. Calling readLine() again returns null at once, for ever, so a loop that goes on spins a whole core.",
    'busy.javascript': "Node calls you when something happens: never poll a socket in a loop or with a short timer. When the 'end' event comes, close the socket and forget the client.",
    'busy.python':
      "recv() returns b'' when the client has closed its side, and at once again every time after that. Leave the loop on b'', remove the client from the list, close its socket and let the thread end; a loop that keeps calling recv() spins a whole core.",
  },
  {
    'check.listens': '2000번 포트에서 리슨함',
    'check.echo': '보낸 사람에게 줄을 돌려보냄',
    'check.concurrent': '첫 클라이언트가 연결된 채로 두 번째 클라이언트를 처리함',
    'check.broadcast': '각 줄을 보낸 사람을 포함한 모든 클라이언트에게 보냄',
    'check.splitLine': '줄이 두 조각으로 도착해도 한 줄로 유지함',
    'check.unchanged': '각 줄을 바꾸지 않고 보냄: 공백, 빈 줄, 두 조각 사이에서 잘린 글자',
    'check.load': '클라이언트 5개가 동시에 200줄씩 보냄: 모든 줄이 온전하게, 순서대로 (3회)',
    'check.cleanDisconnect': '클라이언트가 떠난 뒤에도 나머지를 계속 처리함',
    'check.reset': '클라이언트가 연결을 재설정한 뒤에도 나머지를 계속 처리함',
    'check.idleAfterLeave': '클라이언트가 떠난 뒤 유휴 상태로 돌아감 (바쁜 루프 없음)',
    'check.lateJoiner': '나중에 들어온 클라이언트가 들어온 뒤에 보내진 줄들을 받음',
    'why.afterOneClient': '클라이언트 하나가 연결했다가 떠난 뒤',
    'event.splitChar': 'A가 다음 줄을 두 조각으로 보냈고, 첫 조각은 글자 "한"의 중간에서 끝났습니다: {text}',
    'hint.splitChar':
      '네트워크의 텍스트는 UTF-8이고, "한"은 3바이트입니다. 줄의 조각은 글자 중간에서 끝날 수 있습니다. 줄이 온전해진 뒤에만 디코딩하거나 ("\\n"이 올 때까지 바이트를 모은 뒤 디코딩), 끝나지 않은 글자를 다음 조각까지 기억하는 디코더로 읽으세요 (Python의 makefile(), Java의 InputStreamReader, Node의 setEncoding(\'utf8\')).',
    'hint.unchanged':
      '각 줄을 도착한 그대로, 뒤에 "\\n"을 붙여 보내세요. 공백을 strip()하지 말고, 빈 줄도 건너뛰지 마세요 ("\\n" 하나만 있어도 한 줄입니다). 줄에 속하지 않는 것은 "\\n"과 그 바로 앞의 "\\r"뿐입니다.',
    'busy.java':
      'readLine()이 null을 돌려주면(클라이언트가 자기 쪽을 닫으면) 멈추세요. 루프를 빠져나와 목록에서 그 클라이언트의 writer를 빼고, 소켓을 닫고, 스레드가 끝나게 하세요. readLine()을 다시 부르면 매번 곧바로 null이 돌아오므로, 계속 도는 루프는 코어 하나를 통째로 씁니다.',
    'busy.javascript': 'Node는 무슨 일이 생기면 여러분을 호출합니다. 소켓을 루프나 짧은 타이머로 폴링하지 마세요. \'end\' 이벤트가 오면 소켓을 닫고 그 클라이언트를 잊으세요.',
    'busy.python':
      "클라이언트가 자기 쪽을 닫으면 recv()는 b''를 돌려주고, 그 뒤로는 부를 때마다 곧바로 또 b''를 돌려줍니다. b''를 받으면 루프를 빠져나와 목록에서 클라이언트를 빼고, 소켓을 닫고, 스레드가 끝나게 하세요. recv()를 계속 부르는 루프는 코어 하나를 통째로 씁니다.",
  },
);

/** The words of room.ts, the room of grader clients that labs 03 and 04 share. */
export const ROOM = defineMessages(
  {
    'event.connected': '{who} connected and sent {send}',
    'event.connectedWhile': '{who} connected while {others} stayed connected and sent {send}',
    'event.sent': '{who} sent {text}',
    'event.closed': '{who} closed its connection (end of stream)',
    'event.reset': '{who} reset its connection',
    'event.afterGone': 'after the client that left had gone, {who} sent {text}',
    'event.split': '{a} sent {first}, then {b} sent {line}, then {a} sent {rest}',
    'why.afterGone': 'after the client that left had gone',
    'note.split': "{a} sends its line in two pieces; {b}'s whole line arrives in between",

    'expect.serverExited': '{event}, but your server had exited before {who} received {want}',
    'expect.closed': "{event}, but the server closed {who}'s connection instead of sending it {want}",
    'expect.senderOnly': '{event}; {who} never received it (the sender did)',
    'expect.none': '{event}; {who} did not receive {want} within {s} s',
    'expect.noneBlocked': '{event}; {who} did not receive {want}, and your server waits in {call} with nothing more to send',
    'expect.mixed': '{event}; {who} received a line that mixes the two',
    'expect.instead': '{event}; {who} received {got} instead of {want}',
    'received.noNewline': '{text} (no "\\n" after it)',
    'received.closed': '(the connection was closed)',
    'received.nothing': '(nothing)',

    'hint.serverStopped': "The server stopped: its output below shows why. One client's problem (a reset, a dead socket) must end only that client, never the server.",
    'hint.handlerDied':
      '{who} was still in the room. Did the thread (or handler) serving {who} die on an error? A send to a client that has left fails: catch that error, drop that client, and go on with the others.',
    'hint.oneAtATime': "{who} got nothing back: your server seems to serve one client at a time. While it waits for the lines of the first client, nobody reads {who}'s. {advice}",
    'hint.roomFor':
      '{who} got nothing back, though your server serves the {n} clients connected before it side by side: it seems to have room for {n} clients only. Are clients served from a pool with a fixed number of threads (Executors.newFixedThreadPool, ThreadPoolExecutor(max_workers=...)) or held to a limit of your own? Every connected client needs a thread of its own for as long as it stays connected.',
    'hint.replayed':
      '{who} had just connected, and the first line it received, {got}, was said before it joined. A client that connects later receives only the lines sent after it joined: do not send a newcomer the lines said before it came.',
    'hint.nodeNoBlock': 'In Node nothing may block: handle each client in its own callbacks and return at once.',
    'hint.threads': "Give each client its own thread: accept(), start a thread that reads that client's lines, and go straight back to accept().",
    'hint.threadsPython':
      "Give each client its own thread: accept(), start a thread that reads that client's lines, and go straight back to accept(). With asyncio, each client has its own coroutine, which must never call a blocking function (socket.recv, time.sleep).",
    'hint.sender': 'The sender is a connected client too: every line goes to every client in the list, the sender included, so that it sees its own line in the conversation.',
    'hint.senderJava':
      'The sender is a connected client too: every line goes to every client in the list, the sender included, so that it sees its own line in the conversation. And flush() the writer after each line: a PrintWriter keeps what you print in its buffer until that is full.',
    'hint.broadcast': 'Every line goes to every connected client, not only back to the one that sent it: keep a list of the connected clients and send the line to each of them.',
    'hint.wrongLine': 'A line arrived, but not the expected one: compare the two above character by character. Each line must reach the clients exactly as the protocol writes it (its format, its spacing, nothing added), as a line of its own.',
    'hint.left':
      'A client that has left must leave the list too. Sending to its dead socket fails (broken pipe, connection reset, bad file descriptor); if that error is not caught, it ends the thread (or handler) of the client that was speaking, or the whole server. Remove the client when its stream ends or resets, and catch send errors so one dead client never stops the others.',
    'hint.closeBye': "When a client closes its side, the read returns the end of stream (b'' in Python, the 'end' event in Node): remove the client and tell the others {bye}.",
    'hint.resetBye':
      "A reset makes the read raise ConnectionResetError in Python (an 'error' event in Node) instead of returning the end of stream. Catch it and do what you do at the end of stream: remove the client and tell the others {bye}.",
    'hint.mixed':
      '{a}\'s unfinished line {first} was sent on before its "\\n" had arrived, so it got glued to {b}\'s line. A recv() (or a \'data\' event) returns whatever bytes have arrived, not one line: keep each client\'s bytes until a "\\n" comes, and send on only whole lines.',

    'load.note': '{clients} clients each send {lines} lines at once, {rounds} times; each must receive all {total} every time',
    'load.mixJs': 'Send each whole line, "\\n" included, with one write(), and only whole lines: keep the bytes of each client until their "\\n" arrives.',
    'load.mixThreads':
      'Two threads wrote to the same client at the same time, or a line was sent on before it was whole. Hold the lock while you send a line to the clients, send each line and its "\\n" in one write (sendall / print + flush), and send on only whole lines.',
    'load.lostClosed': 'round {round}: {who} received {n} of the {total} lines, then its connection was closed',
    'load.lostQuiet': 'round {round}: {who} received {n} of the {total} lines, then nothing more for 10 s',
    'load.lines': '{n} lines',
    'load.stillMissing': '{n} lines; still missing e.g. {line}',
    'load.hintLost': "Lines were lost under load. Does each client's thread (or handler) keep reading until the end of its stream, and send every line it reads?",
    'load.unknown': 'a client received a line that no client sent: lines were cut or mixed together',
    'load.unknownSeen': 'round {round}: {who} received {got}',
    'load.mixedLine': 'a line made of pieces of other lines (which ones changes from run to run: see what happened below)',
    'load.wholeLines': 'whole lines like {line}',
    'load.order': 'round {round}: {who} received line {i} of {sender} when line {want} of {sender} was due: lines of one sender were lost or reordered',
    'load.hintOrder': "Each sender's lines must arrive in the order sent, none missing. Send the lines in the order you read them, and never drop one.",

    'idle.measureMore': 'your server used {ms} ms of CPU time in the second after {who} left; measuring 3 s more',
    'idle.used': 'your server used {ms} ms of CPU time in the {s} s after {who} left',
    'idle.waits': 'your server used {ms} ms of CPU time after {who} left, and then waited for the next connection or line',
    'idle.busy': 'your server used {ms} ms of CPU time per second after a client left: it is busy doing nothing',
    'idle.expected': 'almost none: an idle server waits for the next connection or line (in accept(), readLine(), recv() or the event loop) and uses a few ms at most',
    'idle.received': '{ms} ms of CPU per second',
  },
  {
    'event.connected': '{who} 클라이언트가 연결해서 다음 줄을 보냈습니다: {send}',
    'event.connectedWhile': '{others} 클라이언트가 연결된 채로 {who} 클라이언트가 연결해서 다음 줄을 보냈습니다: {send}',
    'event.sent': '{who} 클라이언트가 다음 줄을 보냈습니다: {text}',
    'event.closed': '{who} 클라이언트가 연결을 닫았습니다 (스트림의 끝)',
    'event.reset': '{who} 클라이언트가 연결을 재설정했습니다',
    'event.afterGone': '떠난 클라이언트가 나간 뒤 {who} 클라이언트가 다음 줄을 보냈습니다: {text}',
    'event.split': '{a} 클라이언트가 줄의 앞부분을, 이어서 {b} 클라이언트가 한 줄 전체를, 다시 {a} 클라이언트가 나머지를 보냈습니다: {first}, {line}, {rest}',
    'why.afterGone': '떠난 클라이언트가 나간 뒤',
    'note.split': '{a} 클라이언트가 줄을 두 조각으로 나눠 보냅니다. 그 사이에 {b} 클라이언트의 온전한 줄이 도착합니다',

    'expect.serverExited': '{event}. 그런데 {who} 클라이언트가 그 줄을 받기 전에 서버가 종료되었습니다. 받아야 했던 줄: {want}',
    'expect.closed': '{event}. 그런데 서버가 {who} 클라이언트에게 그 줄을 보내지 않고 연결을 닫았습니다. 받아야 했던 줄: {want}',
    'expect.senderOnly': '{event}. 그런데 {who} 클라이언트는 그 줄을 받지 못했습니다 (보낸 사람은 받았습니다)',
    'expect.none': '{event}. 그런데 {who} 클라이언트가 {s}초 안에 그 줄을 받지 못했습니다. 받아야 했던 줄: {want}',
    'expect.noneBlocked': '{event}. 그런데 {who} 클라이언트가 그 줄을 받지 못했고, 서버는 더 보낼 것 없이 {call}에서 기다리고 있습니다. 받아야 했던 줄: {want}',
    'expect.mixed': '{event}. 그런데 {who} 클라이언트가 두 줄이 섞인 줄을 받았습니다',
    'expect.instead': '{event}. 그런데 {who} 클라이언트가 엉뚱한 줄을 받았습니다. 받은 줄: {got}, 기대한 줄: {want}',
    'received.noNewline': '{text} (뒤에 "\\n" 없음)',
    'received.closed': '(연결이 닫힘)',
    'received.nothing': '(없음)',

    'hint.serverStopped': '서버가 멈췄습니다. 그 이유는 아래 출력에 있습니다. 클라이언트 하나의 문제(연결 재설정, 죽은 소켓)는 그 클라이언트만 끝내야 하고, 서버를 끝내서는 안 됩니다.',
    'hint.handlerDied':
      '{who} 클라이언트는 아직 방에 있었습니다. {who} 클라이언트를 처리하던 스레드(또는 핸들러)가 오류로 죽었나요? 떠난 클라이언트에게 보내면 실패합니다. 그 오류를 잡아서 그 클라이언트를 빼고, 나머지와 계속하세요.',
    'hint.oneAtATime': '{who} 클라이언트는 아무것도 돌려받지 못했습니다. 서버가 클라이언트를 한 번에 하나씩만 처리하는 것 같습니다. 첫 클라이언트의 줄을 기다리는 동안에는 아무도 {who} 클라이언트의 줄을 읽지 않습니다. {advice}',
    'hint.roomFor':
      '{who} 클라이언트는 아무것도 돌려받지 못했습니다. 서버는 먼저 연결한 클라이언트 {n}개를 동시에 처리하므로, 클라이언트를 {n}개까지만 받을 수 있는 것 같습니다. 스레드 수가 정해진 풀(Executors.newFixedThreadPool, ThreadPoolExecutor(max_workers=...))이나 직접 정한 한도로 클라이언트를 처리하나요? 연결된 클라이언트는 연결되어 있는 동안 저마다 스레드가 하나씩 있어야 합니다.',
    'hint.replayed':
      '{who} 클라이언트는 방금 연결했는데, 처음 받은 줄은 {who} 클라이언트가 들어오기 전에 보내진 줄입니다: {got}. 나중에 연결한 클라이언트는 들어온 뒤에 보내진 줄만 받습니다. 새로 온 클라이언트에게 그 전에 보내진 줄을 보내지 마세요.',
    'hint.nodeNoBlock': 'Node에서는 아무것도 블록되면 안 됩니다. 클라이언트마다 자기 콜백에서 처리하고 곧바로 반환하세요.',
    'hint.threads': '클라이언트마다 스레드를 하나씩 주세요. accept()하고, 그 클라이언트의 줄을 읽는 스레드를 시작하고, 곧바로 accept()로 돌아가세요.',
    'hint.threadsPython':
      '클라이언트마다 스레드를 하나씩 주세요. accept()하고, 그 클라이언트의 줄을 읽는 스레드를 시작하고, 곧바로 accept()로 돌아가세요. asyncio를 쓴다면 클라이언트마다 코루틴이 하나씩 있고, 코루틴은 블로킹 함수(socket.recv, time.sleep)를 절대 불러서는 안 됩니다.',
    'hint.sender': '보낸 사람도 연결된 클라이언트입니다. 모든 줄은 보낸 사람을 포함해 목록의 모든 클라이언트에게 가야, 보낸 사람도 대화 속에서 자기 줄을 봅니다.',
    'hint.senderJava':
      '보낸 사람도 연결된 클라이언트입니다. 모든 줄은 보낸 사람을 포함해 목록의 모든 클라이언트에게 가야, 보낸 사람도 대화 속에서 자기 줄을 봅니다. 그리고 줄마다 writer를 flush()하세요. PrintWriter는 출력한 것을 버퍼가 찰 때까지 버퍼에 쥐고 있습니다.',
    'hint.broadcast': '모든 줄은 보낸 클라이언트에게만 돌려보내는 것이 아니라 연결된 모든 클라이언트에게 가야 합니다. 연결된 클라이언트의 목록을 두고, 각 클라이언트에게 줄을 보내세요.',
    'hint.wrongLine': '줄이 오긴 했지만 기대한 줄이 아닙니다. 위의 두 줄을 한 글자씩 비교해 보세요. 각 줄은 프로토콜이 정한 모양 그대로(형식, 공백, 덧붙인 것 없이) 한 줄씩 클라이언트에게 가야 합니다.',
    'hint.left':
      '떠난 클라이언트는 목록에서도 빠져야 합니다. 죽은 소켓으로 보내면 실패합니다(broken pipe, connection reset, bad file descriptor). 그 오류를 잡지 않으면 말하던 클라이언트의 스레드(또는 핸들러)나 서버 전체가 끝납니다. 스트림이 끝나거나 연결이 재설정되면 클라이언트를 빼고, 보내기 오류를 잡아서 죽은 클라이언트 하나가 나머지를 멈추지 못하게 하세요.',
    'hint.closeBye': "클라이언트가 자기 쪽을 닫으면 읽기는 스트림의 끝을 돌려줍니다 (Python에서는 b'', Node에서는 'end' 이벤트). 그 클라이언트를 빼고 나머지에게 알리세요: {bye}",
    'hint.resetBye':
      "연결이 재설정되면 읽기가 스트림의 끝을 돌려주는 대신 Python에서는 ConnectionResetError를 일으킵니다 (Node에서는 'error' 이벤트). 그 오류를 잡아서 스트림의 끝에서와 똑같이 하세요. 그 클라이언트를 빼고 나머지에게 알리세요: {bye}",
    'hint.mixed':
      '{a} 클라이언트의 끝나지 않은 줄({first})이 "\\n"이 오기 전에 전달되어 {b} 클라이언트의 줄에 붙어 버렸습니다. recv()(또는 \'data\' 이벤트)는 한 줄이 아니라 그때까지 도착한 바이트를 돌려줍니다. 클라이언트마다 "\\n"이 올 때까지 바이트를 모아 두고, 온전한 줄만 전달하세요.',

    'load.note': '클라이언트 {clients}개가 동시에 {lines}줄씩 보내기를 {rounds}번 합니다. 매번 각 클라이언트가 {total}줄을 모두 받아야 합니다',
    'load.mixJs': '줄마다 "\\n"까지 포함한 온전한 줄을 write() 한 번으로 보내고, 온전한 줄만 보내세요. 클라이언트마다 "\\n"이 올 때까지 바이트를 모아 두세요.',
    'load.mixThreads':
      '두 스레드가 같은 클라이언트에게 동시에 썼거나, 줄이 온전해지기 전에 전달되었습니다. 클라이언트들에게 줄을 보내는 동안 락을 쥐고, 줄과 그 "\\n"을 한 번의 쓰기로 보내고 (sendall / print + flush), 온전한 줄만 전달하세요.',
    'load.lostClosed': '{round}회차: {who} 클라이언트가 {total}줄 중 {n}줄을 받은 뒤 연결이 닫혔습니다',
    'load.lostQuiet': '{round}회차: {who} 클라이언트가 {total}줄 중 {n}줄을 받은 뒤 10초 동안 더 받지 못했습니다',
    'load.lines': '{n}줄',
    'load.stillMissing': '{n}줄. 아직 빠진 줄의 예: {line}',
    'load.hintLost': '부하가 걸리자 줄들이 사라졌습니다. 클라이언트마다 스레드(또는 핸들러)가 스트림의 끝까지 계속 읽고, 읽은 줄을 빠짐없이 보내나요?',
    'load.unknown': '어떤 클라이언트도 보내지 않은 줄을 한 클라이언트가 받았습니다. 줄들이 잘리거나 섞였습니다',
    'load.unknownSeen': '{round}회차: {who} 클라이언트가 받은 줄: {got}',
    'load.mixedLine': '다른 줄의 조각들로 이루어진 줄 (어느 줄인지는 실행할 때마다 다릅니다. 아래의 일어난 일을 보세요)',
    'load.wholeLines': '{line} 같은 온전한 줄',
    'load.order': '{round}회차: {who} 클라이언트가 {sender} 클라이언트의 {want}번 줄을 받아야 할 때 {sender} 클라이언트의 {i}번 줄을 받았습니다. 한 사람이 보낸 줄들이 사라지거나 순서가 바뀌었습니다',
    'load.hintOrder': '한 사람이 보낸 줄들은 보낸 순서대로, 빠짐없이 도착해야 합니다. 읽은 순서대로 보내고, 하나도 버리지 마세요.',

    'idle.measureMore': '{who} 클라이언트가 떠난 뒤 1초 동안 서버가 CPU 시간을 {ms} ms 썼습니다. 3초 더 측정합니다',
    'idle.used': '{who} 클라이언트가 떠난 뒤 {s}초 동안 서버가 CPU 시간을 {ms} ms 썼습니다',
    'idle.waits': '{who} 클라이언트가 떠난 뒤 서버가 CPU 시간을 {ms} ms 쓰고, 다음 연결이나 줄을 기다렸습니다',
    'idle.busy': '클라이언트가 떠난 뒤 서버가 1초에 CPU 시간을 {ms} ms씩 썼습니다. 아무 일도 하지 않으면서 바쁩니다',
    'idle.expected': '거의 0: 유휴 상태의 서버는 다음 연결이나 줄을 기다리며 (accept(), readLine(), recv() 또는 이벤트 루프에서) 많아야 몇 ms를 씁니다',
    'idle.received': '1초에 CPU {ms} ms',
  },
);
