/**
 * The words of lab 05's grader (checks.ts) in every language: the check
 * names as the lessons print them (site/i18n/ko-glossary.md), every failure
 * message, expected/received line, hint and transcript note. Bytes on the
 * wire (the chat's lines) stay as they are.
 */
import { defineMessages } from '../../runner/grader/api.ts';

export default defineMessages(
  {
    'check.printsWhileIdle': 'prints 16 MB pushed by the server while the user types nothing, without stalling it',
    'check.typedLine': 'sends a typed line to the server after the flood',
    'check.endOfInput': 'closes the connection and exits 0 at the end of input',
    'check.relays': 'speaks the chat protocol: joins and "[<nick>] text" to everyone',
    'check.slowReader': 'one client that never reads does not stall the others (20,000 lines, the last within 5 s)',
    'check.boundedMemory': 'memory grows by less than 96 MB while 256 MB go past a client that never reads',

    'hint.reader.javascript':
      "Never read the keyboard with a blocking call (fs.readSync, a busy loop) on the event loop: nothing else runs meanwhile, not even the socket's 'data' events. Use readline's 'line' event for the keyboard and the socket's 'data' event for the network.",
    'hint.reader.java': 'readLine() on the keyboard blocks the thread that calls it. Read the socket in a background thread that prints every line as it comes, and keep the keyboard on the main thread.',
    'hint.reader.python':
      "input() blocks until the user presses Enter, and while it waits nothing reads the socket: the receive buffer fills, the window closes, and the server's sends stall. Read the socket in a thread of its own (or run input() off the asyncio loop with asyncio.to_thread).",

    'hint.flush.javascript': 'Your client took the line from the socket but printed nothing: what it writes is held somewhere before the terminal. Write each line with console.log or process.stdout.write as it comes.',
    'hint.flush.java': 'Your client took the line from the socket but printed nothing: it is still in a buffer. Flush after the lines you print (System.out.flush(), or a PrintStream made with autoFlush true).',
    'hint.flush.python': 'Your client took the line from the socket but printed nothing: it is still in a buffer. Flush after the lines you print (print(..., flush=True), sys.stdout.flush(), or sys.stdout.buffer.flush() after writing bytes).',

    nothing: '(nothing)',
    cut: '{text}… ({n} characters)',

    // The client role: a client of the grader's server
    'why.connectAtStart': 'the client must connect to localhost:8000 as soon as it starts',
    'what.nickname': 'the first line typed (the nickname), sent to the server',
    'join.notPrinted': "the client did not print the server's join announcement within 5 s of receiving it",
    'join.notPrintedReceived': '(not printed)',
    'flood.note': 'the user types nothing; the server sends {count} lines ({mb} MB), in 256 KiB writes',
    'flood.stallNote': "a write of the server's still waited after {ms} ms, {mb} MB into the flood, and the client printed nothing for a second",
    'flood.stalled': "the server's writes stalled for a second: the client stopped reading the socket while the user typed nothing",
    'flood.expected': 'every line read and printed as it arrives',
    'flood.received': "a write of the server's still waiting after a second, and nothing printed meanwhile",
    'flood.stallBlockedNote': "a write of the server's waited, {mb} MB into the flood, and the client waits in {call} with nothing read: it stays so until the user types",
    'flood.stalledBlocked': "the server's writes stalled: the client stopped reading the socket while the user typed nothing, and waits in {call}",
    'flood.receivedBlocked': "a write of the server's waiting, and the client waiting in {call}, where only typing wakes it",
    'flood.lastWhat': 'the last of the {count} lines (all must be printed within 10 s of the first)',
    'flood.done': 'all {mb} MB printed within {ms} ms',
    'what.typed': 'the line the user typed',
    'what.floodLine': 'a line of the 5000 the server sent, printed',
    'eof.open': 'the connection stayed open 5 s after the end of input (Ctrl-D)',
    'eof.expected': 'the client closes its connection',
    'eof.stillOpen': '(the connection still open)',
    'eof.hint':
      "The end of input is not an empty line: input() raises EOFError, `for line in sys.stdin` ends, sys.stdin.readline() returns '' (every time, at once), readline emits 'close' in Node, and readLine() returns null in Java. Then close the socket and exit.",
    'eof.exitWhy': 'after closing its connection at the end of input the client exits with code 0, while the server says nothing more',
    'eof.hintBlocked':
      "After the end of input your client waits in {call} alone, its connection still open: it no longer reads the keyboard. It most likely called close() while its reader thread was blocked in recv() on that socket: on Linux that close() ends neither the connection nor the recv(), and a thread that is not a daemon keeps the program alive. Call sock.shutdown(SHUT_RDWR) first (it wakes the recv() and sends the end of stream), then close(), and make the reader a daemon thread (or end with os._exit(0)).",

    // The server role: members of the student's chat
    'member.noJoin': '{nick} sent its nickname but did not receive its own join announcement within 5 s',
    'member.hint': 'Speak the chat protocol of lab 4: the first line is the nickname, then "* <nick> joined the chat" goes to every named client, the newcomer included.',
    'what.bobJoin': "bob's join announcement",
    'what.aliceRelayed': "alice's line, relayed to everyone",
    'lines.waiting': '{who} was waiting for {line}',
    'lines.waitingGot': '{who} was waiting for {line} and received {got}',
    'lines.stopped': '{who} stopped receiving {what}: nothing came for {s} s',
    // Not "with nothing more to send" (lab 3's words): here the server has lines to send, and waits for a client that does not read.
    'lines.stoppedBlocked': '{who} stopped receiving {what}, and your server sends nothing more: it waits in {call}',
    'lines.closed': '{who} stopped receiving {what}: your server closed the connection',
    'lines.expected': '{what}, every one, in order',
    'lines.nothingMore': '(nothing more)',
    'lines.other': '{who} received another line where the next of {what} belonged',
    'lines.outOfOrder': 'a line out of order, or a line lost',
    'lines.hint': 'Lines from one sender must reach every reader whole and in the order sent, none lost.',
    'what.talkerLines': "talker's lines",
    'what.ownEchoes': 'the echoes of its own lines',
    'hint.stall':
      'A member that never reads fills its receive buffer, then your send buffer towards it. If the code that sends to everyone then waits for that member (await drain() for each client in turn, await queue.put() on its full queue, a blocking send), everyone waits with it. Give each client its own bounded queue and its own writer, and drop (or disconnect) a client that falls too far behind.',
    'slow.never': 'slow never reads another line from now on',
    'slow.talk': 'talker sends {n} lines of {bytes} bytes, reading its own echoes, never more than {window} lines ahead of them nor {lag} ahead of reader; reader reads everything',
    'slow.late': "reader did not receive every one of talker's lines within 5 s of the last one being sent",
    'slow.expected': 'all {n} lines, the last within 5 s',
    'slow.missing': 'still missing lines after 5 s',
    'slow.done': 'reader received all {n} lines, the last {ms} ms after it was sent',
    'memory.talk': 'talker sends {n} lines of {bytes} bytes ({mb} MB), {batch} at a time, reading its own echoes',
    'memory.peak': "the server's memory: {before} MB before, {peak} MB at the peak",
    'memory.grew': "the server's memory grew without bound while lines went past a client that never reads",
    'memory.expected': 'growth under {mb} MB',
    'memory.received': '{mb} MB or more',
    'memory.hint':
      "What the slow client cannot take piles up somewhere: in the transport's buffer after write() without drain(), in socket.write()'s queue in Node (write() returns false: its buffer is full), or in an unbounded queue. Bound each client's backlog and drop the client (or its lines) once it is full.",
    'memory.done': 'memory grew by {grew} MB ({before} MB before)',
  },
  {
    'check.printsWhileIdle': '사용자가 아무것도 입력하지 않는 동안 서버가 보낸 16 MB를, 서버를 멈추게 하지 않고 출력함',
    'check.typedLine': '대량 전송이 끝난 뒤 입력한 줄을 서버로 보냄',
    'check.endOfInput': '입력이 끝나면 연결을 닫고 종료 코드 0으로 끝남',
    'check.relays': '채팅 프로토콜을 지킴: 입장 알림과 "[<nick>] text"를 모두에게 보냄',
    'check.slowReader': '전혀 읽지 않는 클라이언트 하나가 다른 클라이언트를 멈추게 하지 않음 (20,000줄, 마지막 줄은 5초 안에)',
    'check.boundedMemory': '전혀 읽지 않는 클라이언트를 두고 256 MB를 전달하는 동안 메모리가 96 MB 미만으로 늘어남',

    'hint.reader.javascript':
      "이벤트 루프에서 블로킹 호출(fs.readSync, 바쁜 루프)로 키보드를 읽으면 안 됩니다. 그동안 다른 일은 아무것도 실행되지 않고, 소켓의 'data' 이벤트도 오지 않습니다. 키보드는 readline의 'line' 이벤트로, 네트워크는 소켓의 'data' 이벤트로 읽으세요.",
    'hint.reader.java': '키보드에서 readLine()을 호출하면 그 스레드가 블록됩니다. 소켓은 백그라운드 스레드에서 읽어 줄이 올 때마다 출력하고, 키보드는 메인 스레드에 두세요.',
    'hint.reader.python':
      'input()은 사용자가 Enter를 누를 때까지 블록되고, 그동안 아무도 소켓을 읽지 않습니다. 그러면 수신 버퍼가 차고, 윈도가 닫히고, 서버의 전송이 멈춥니다. 소켓은 별도의 스레드에서 읽으세요(또는 asyncio.to_thread로 input()을 asyncio 루프 밖에서 실행하세요).',

    'hint.flush.javascript': '클라이언트가 소켓에서 줄을 가져갔지만 아무것도 출력하지 않았습니다. 쓴 것이 터미널에 닿기 전에 어딘가에 붙잡혀 있습니다. 줄이 올 때마다 console.log나 process.stdout.write로 쓰세요.',
    'hint.flush.java': '클라이언트가 소켓에서 줄을 가져갔지만 아무것도 출력하지 않았습니다. 줄이 아직 버퍼에 있습니다. 출력한 뒤에 flush하세요 (System.out.flush(), 또는 autoFlush를 true로 만든 PrintStream).',
    'hint.flush.python': '클라이언트가 소켓에서 줄을 가져갔지만 아무것도 출력하지 않았습니다. 줄이 아직 버퍼에 있습니다. 출력한 뒤에 flush하세요 (print(..., flush=True), sys.stdout.flush(), 바이트를 썼다면 sys.stdout.buffer.flush()).',

    nothing: '(없음)',
    cut: '{text}… ({n}자)',

    'why.connectAtStart': '클라이언트가 시작된 뒤 (클라이언트는 시작하자마자 localhost:8000에 연결해야 합니다)',
    'what.nickname': '클라이언트가 서버로 보내는 첫 입력 줄(닉네임)',
    'join.notPrinted': '클라이언트가 서버의 입장 알림을 받은 지 5초 안에 출력하지 않았습니다',
    'join.notPrintedReceived': '(출력되지 않음)',
    'flood.note': '사용자는 아무것도 입력하지 않습니다. 서버가 {count}줄({mb} MB)을 256 KiB씩 나누어 보냅니다',
    'flood.stallNote': '서버의 쓰기가 {ms} ms 뒤에도 끝나지 않았고(대량 전송 {mb} MB 지점), 그 1초 동안 클라이언트는 아무것도 출력하지 않았습니다',
    'flood.stalled': '서버의 쓰기가 1초 동안 멈췄습니다. 사용자가 아무것도 입력하지 않는 동안 클라이언트가 소켓 읽기를 멈췄습니다',
    'flood.expected': '도착하는 줄마다 바로 읽어서 출력함',
    'flood.received': '1초가 지나도 서버의 쓰기가 끝나지 않았고, 그동안 아무것도 출력되지 않음',
    'flood.stallBlockedNote': '서버의 쓰기가 기다리는 중이고(대량 전송 {mb} MB 지점), 클라이언트는 아무것도 읽지 않은 채 {call}에서 기다립니다. 사용자가 입력하기 전에는 그대로입니다',
    'flood.stalledBlocked': '서버의 쓰기가 멈췄습니다. 사용자가 아무것도 입력하지 않는 동안 클라이언트가 소켓 읽기를 멈추고 {call}에서 기다립니다',
    'flood.receivedBlocked': '서버의 쓰기는 기다리는 중이고, 클라이언트는 입력이 있어야만 깨어나는 {call}에서 기다림',
    'flood.lastWhat': '{count}줄 중 마지막 줄 (모든 줄이 첫 줄부터 10초 안에 출력되어야 합니다)',
    'flood.done': '{mb} MB를 모두 {ms} ms 안에 출력했습니다',
    'what.typed': '사용자가 입력한 줄',
    'what.floodLine': '서버가 보낸 5000줄 중 한 줄의 출력',
    'eof.open': '입력이 끝나고(Ctrl-D) 5초가 지나도 연결이 열려 있었습니다',
    'eof.expected': '클라이언트가 연결을 닫음',
    'eof.stillOpen': '(연결이 아직 열려 있음)',
    'eof.hint':
      "입력의 끝은 빈 줄이 아닙니다. input()은 EOFError를 일으키고, `for line in sys.stdin`은 끝나고, sys.stdin.readline()은 ''를 (매번, 곧바로) 돌려주고, Node의 readline은 'close' 이벤트를 내보내고, Java의 readLine()은 null을 돌려줍니다. 그때 소켓을 닫고 종료하세요.",
    'eof.exitWhy': '입력이 끝나 연결을 닫은 클라이언트는, 서버가 더 말하지 않아도 종료 코드 0으로 끝나야 합니다',
    'eof.hintBlocked':
      "입력이 끝난 뒤 클라이언트는 키보드는 더 읽지 않고 연결을 연 채로 {call}에서만 기다리고 있습니다. 아마 읽기 스레드가 그 소켓의 recv()에서 블록되어 있을 때 close()를 불렀을 것입니다. 리눅스에서 그 close()는 연결도 recv()도 끝내지 않고, 데몬이 아닌 스레드가 프로그램을 살려 둡니다. 먼저 sock.shutdown(SHUT_RDWR)을 부르고 (recv()를 깨우고 스트림의 끝을 보냅니다) 그다음 close()하세요. 읽기 스레드는 데몬 스레드로 만드세요 (또는 os._exit(0)으로 끝내세요).",

    'member.noJoin': '{nick} 클라이언트가 닉네임을 보냈지만 5초 안에 자기 입장 알림을 받지 못했습니다',
    'member.hint': '실습 4의 채팅 프로토콜을 지키세요. 첫 줄은 닉네임이고, 그다음 "* <nick> joined the chat"을 새로 들어온 클라이언트를 포함해 닉네임이 있는 모든 클라이언트에게 보냅니다.',
    'what.bobJoin': 'bob의 입장 알림',
    'what.aliceRelayed': '모두에게 전달된 alice의 줄',
    'lines.waiting': '{who} 클라이언트가 기다리던 줄: {line}',
    'lines.waitingGot': '{who} 클라이언트가 기다리던 줄: {line}, 실제로 받은 줄: {got}',
    'lines.stopped': '{who} 클라이언트에게 {s}초 동안 아무것도 오지 않았습니다. 기다리던 것: {what}',
    'lines.stoppedBlocked': '{who} 클라이언트에게 더는 아무것도 오지 않고, 서버는 {call}에서 기다리며 아무것도 보내지 않습니다. 기다리던 것: {what}',
    'lines.closed': '{who} 클라이언트에게 더는 아무것도 오지 않습니다. 서버가 연결을 닫았습니다. 기다리던 것: {what}',
    'lines.expected': '{what} 전부, 보낸 순서대로',
    'lines.nothingMore': '(더 오지 않음)',
    'lines.other': '{who} 클라이언트가 엉뚱한 줄을 받았습니다. 그 자리에 와야 했던 것: 다음 차례의 {what}',
    'lines.outOfOrder': '순서가 바뀌었거나 빠진 줄',
    'lines.hint': '한 사람이 보낸 줄은 모든 클라이언트에게 하나도 빠짐없이, 온전하게, 보낸 순서대로 가야 합니다.',
    'what.talkerLines': 'talker의 줄',
    'what.ownEchoes': '되돌아오는 자기 줄',
    'hint.stall':
      '전혀 읽지 않는 클라이언트는 먼저 자기 수신 버퍼를, 그다음 그 클라이언트로 가는 서버의 송신 버퍼를 채웁니다. 모두에게 보내는 코드가 그 클라이언트를 기다리면(클라이언트마다 차례로 await drain(), 가득 찬 큐에 await queue.put(), 블로킹 send) 모두가 함께 기다립니다. 클라이언트마다 크기가 제한된 큐와 전용 writer를 두고, 너무 뒤처진 클라이언트는 버리세요(또는 연결을 끊으세요).',
    'slow.never': '이제부터 slow는 줄을 하나도 읽지 않습니다',
    'slow.talk': 'talker가 {bytes}바이트짜리 줄 {n}개를 보내면서 되돌아오는 자기 줄을 읽습니다. 되돌아온 줄보다 {window}줄, reader가 받은 줄보다 {lag}줄 넘게 앞서 보내지 않습니다. reader는 모든 줄을 읽습니다',
    'slow.late': 'reader가 talker의 마지막 줄이 보내진 지 5초 안에 talker의 줄을 모두 받지 못했습니다',
    'slow.expected': '{n}줄 전부, 마지막 줄은 5초 안에',
    'slow.missing': '5초가 지나도 아직 받지 못한 줄이 있음',
    'slow.done': 'reader가 {n}줄을 모두 받았습니다. 마지막 줄은 보내진 지 {ms} ms 뒤에 받았습니다',
    'memory.talk': 'talker가 {bytes}바이트짜리 줄 {n}개({mb} MB)를 {batch}개씩 보내면서 되돌아오는 자기 줄을 읽습니다',
    'memory.peak': '서버의 메모리: 처음 {before} MB, 가장 많을 때 {peak} MB',
    'memory.grew': '전혀 읽지 않는 클라이언트를 두고 줄이 오가는 동안 서버의 메모리가 끝없이 늘어났습니다',
    'memory.expected': '{mb} MB 미만 증가',
    'memory.received': '{mb} MB 이상',
    'memory.hint':
      '느린 클라이언트가 받아 가지 못한 데이터는 어딘가에 쌓입니다. drain() 없이 write()한 뒤의 transport 버퍼, Node에서는 socket.write()의 대기열(write()가 false를 돌려주면 그 버퍼가 가득 찬 것입니다), 또는 크기 제한이 없는 큐입니다. 클라이언트마다 밀린 데이터의 양을 제한하고, 가득 차면 그 클라이언트(또는 그 줄)를 버리세요.',
    'memory.done': '메모리가 {grew} MB 늘었습니다 (처음 {before} MB)',
  },
);
