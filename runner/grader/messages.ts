/**
 * The harness's own words, in every language: what it says when a program
 * does not answer, exits or floods, the hints for the classic mistakes, and
 * the reporter's labels. A lab's own words live in its messages.ts. Korean
 * words from site/i18n/ko-glossary.md; bytes and program output are shown
 * as they were, never translated.
 */
import { defineMessages, sayer, type Locale, type Say } from './i18n.ts';

export const GRADER = defineMessages(
  {
    // Programs and roles
    'program.yours': 'your {role}{n}',
    'program.reference': 'reference {role}{n}',
    'role.server': 'server',
    'role.client': 'client',
    'time.secs': '{n} s',
    'time.moment': '{t} s into the check',
    nothing: '(nothing)',

    // Starting a server
    'ready.beforeListen': 'before it listened on port {port}/{protocol}',
    'ready.beforeBind': 'before it bound port {port}/{protocol}',
    'ready.noListen': '{program} did not listen on port {port}/{protocol} within {time}',
    'ready.noBind': '{program} did not bind port {port}/{protocol} within {time}',

    // Connecting
    'connect.timedOut': 'could not connect to port {port}: the connection timed out (no answer, not even a refusal)',
    'connect.refused': 'could not connect to port {port}: connection refused',
    'connect.error': 'could not connect to port {port}: {error}',

    // Exits and crashes (harness/cause.ts)
    'exit.crashed': '{program} crashed with code {code}{signal}{when}{error}',
    'exit.crashedWhy': '{program} crashed with code {code}{signal} {why}{when}{error}',
    'exit.exited': '{program} exited with code {code}{signal}{when}{error}',
    'exit.exitedWhy': '{program} exited with code {code}{signal} {why}{when}{error}',
    'exit.at': ', {moment}',
    'exit.atStep': ", {moment}, just after the grader's step {step}",
    'exit.error': '. Its error: {error}',
    'exit.code': '{program} exited with code {code}{signal}',
    'exit.codeShort': 'exit code {code}',
    'cause.then': '{cause}. Then: {symptom}',
    'stuck.notAccepting': '{program} is listening on port {port} but has not accepted a connection{since}: {clients}{left}',
    'stuck.since': ' since {label} left, {moment}',
    'stuck.oneClient': '1 client waits in its queue',
    'stuck.clients': '{n} clients wait in its queue',
    'stuck.left': ', and it still holds the connection of {label} that left (CLOSE_WAIT: your server never closed it)',
    'stuck.aClient': 'a client',
    'stuck.spinning': '{program} uses the CPU without pause, stuck in a loop that never waits',

    // Programs' output and exit (harness/program.ts)
    'print.missingExited': '{program} did not print {want} before it exited (code {code})',
    'print.missingWithin': '{program} did not print {want} within {time}',
    'run.stillRunning': '{program} was still running {time} later',
    'run.stillRunningWhy': '{program} was still running {time} later ({why})',

    // TCP (harness/tcp.ts)
    'tcp.closedEarly': '{label}: the program closed the connection after receiving only {sent}',
    'tcp.noLine': 'no complete line came back on {label} within {time}',
    'tcp.partial': '{bytes} (no "\\n")',
    'tcp.matching': 'a line matching {pattern}',
    'tcp.wasReset': 'the connection was reset',
    'tcp.wasClosed': 'the connection was closed',
    'tcp.nothingWithin': 'nothing complete came within {time}',
    'tcp.missingLine': 'expected {want} on {label}, but {why}',
    'tcp.missingLinePartial': 'expected {want} on {label}, but {why} after part of a line',
    'tcp.wrongLine': '{label}: the reply is not what was expected',
    'tcp.wrongLineDiff': '{label}: the reply is not what was expected ({diff})',
    'tcp.stayedOpen': '{label} stayed open {time}',
    'tcp.stayedOpenWhy': '{label} stayed open {time} {why}',
    'tcp.tooManyConnections': "your program opened more than {max} connections to the grader's port {port}",
    'tcp.onePerLine': 'one connection per line typed',
    'tcp.overConnections': 'over {max} connections',
    'tcp.noConnection': 'no program connected to port {port} within {time}',
    'tcp.noConnectionWhy': 'no program connected to port {port} within {time} {why}',

    // UDP (harness/udp.ts)
    'udp.flood': 'more than {max} datagrams arrived at {label} that the grader did not ask for',
    'udp.onePerMessage': 'one datagram per message',
    'udp.overDatagrams': 'over {max} datagrams',
    'udp.none': 'no datagram arrived at {label} within {time}',
    'udp.noneWhat': 'no datagram ({what}) arrived at {label} within {time}',
    'udp.unasked': '{label} got a datagram it did not ask for',
    'udp.nothingMore': 'nothing more within {ms} ms',
    'udp.wrong': '{label}: the datagram is not what was expected',
    'udp.wrongDiff': '{label}: the datagram is not what was expected ({diff})',

    // Where two byte strings differ (transcript.ts)
    'diff.at': 'at byte {i}: {expected} expected, {received} received',
    'diff.short': 'the reply stops after {n} bytes, {missing} are missing; the next one should be {next}',
    'diff.long': '{extra} bytes too many, starting with {first}',
    'byte.nothing': 'nothing',
    'show.bytes': '{n} bytes',
    'byte.space': 'a space',
    'byte.newline': 'a newline ("\\n")',
    'byte.return': 'a carriage return ("\\r")',
    'byte.tab': 'a tab ("\\t")',
    'byte.hex': 'byte 0x{hex}',
    'byte.nonAscii': 'byte 0x{hex} (part of a non-ASCII character)',

    // The engine
    'engine.skipped': 'skipped: needs "{name}" to pass first',
    'engine.noSandbox': 'the sandbox did not start: {error}',
    'engine.checkTimeout': 'the check did not finish within {s} s',
    'engine.graderError': 'the grader hit an error: {error}',
    'engine.stackTrace': '{program} printed a stack trace',

    // Hints for the classic mistakes
    'hint.refused': 'Connection refused: nothing is listening on port {port}. Is your server running, and does it bind port {port} and call listen()?',
    'hint.bindListen': "Does it bind port {port} (on '' or 0.0.0.0) and call listen()?",
    'hint.bind': "Does it bind port {port} (on '' or 0.0.0.0)?",
    'hint.splitLine': 'TCP is a byte stream: one recv() can return part of a line, or two lines. Keep reading until you have the whole line (up to "\\n").',
    'hint.noReply': 'No reply came. Does your program send one back to the address the request came from, and flush it?',
    'hint.oneReply': 'Send exactly one reply per message received, to the address it came from, and nothing else.',
    'hint.exactBytes': 'The reply must hold exactly the expected bytes: compare them one by one with what your program sent (shown above).',
    'hint.print': 'Print it with a newline at the end, and flush (print(..., flush=True) in Python), so it shows before the program waits again.',
    'hint.stillRunning': 'The program was still running. A client must finish on its own after its job, even while its input stays open.',
    'hint.exitCode0': 'A program that did its job ends with exit code 0 (the end of the program, or sys.exit(0)).',
    'hint.exitCode': 'When it cannot do its job, a program ends with exit code {code}: sys.exit({code}) in Python, process.exitCode = {code} in Node, System.exit({code}) in Java.',
    'hint.serverExited': 'The server exited (code {code}) while it should keep serving. A server loops for ever, and one client\'s problem must not end it.',
    'hint.serverStopped':
      "Your server ended on its own, without an error (code 0): something made its loop stop (a break, a return, or the loop's condition). A server loops for ever and answers every request, whatever it holds.",
    'hint.crashed':
      'Your program stopped on an error. The last line of its output (below) names the error, and the lines above it say where: fix the cause, or catch that error and print a short message (a person should never see a traceback).',
    'hint.notAccepting':
      'A listening socket only queues new clients: they wait until your server calls accept() again. Your server is stuck elsewhere, most often in a read loop on a client that has left: once the client closes, recv() returns b"" (empty) every time, so the loop must stop on it (if not chunk: break).',
    'hint.spinning':
      'Your program uses the CPU without pause: a loop that never waits for anything. Look at its loops and at what it printed: most often a read loop that goes on after recv() returns b"" (the other side closed), or a server that sends to its own port and so answers itself for ever.',
    'hint.stackTrace': 'Your program printed a stack trace. Catch the error and print a short message instead: the person using it should never see a traceback.',
    'hint.closedEarly':
      'The program closed the connection before the grader had sent everything. TCP is a byte stream: a line can arrive in several pieces, so keep reading until "\\n" before answering and closing.',
    'hint.notClosed': 'The connection stayed open. After sending the reply, close the connection socket so the client sees the end of the stream.',
    'hint.clientConnect': 'Does your client connect to localhost (or 127.0.0.1) port {port}?',
    'hint.flood': 'Your program sent far more than the grader asked for. Send one message per request (or per typed line), not in a loop.',
    'hint.tooManyConnections': 'Your client opened connection after connection. Open one connection, send the line, read the reply, close it.',
    'hint.timeout': 'A program stopped answering. The transcript shows the last thing that happened.',
    'hint.graderError': 'This is a problem of the lab, not of your code; tell your instructor.',
    'hint.sandbox': 'This is a problem of the machine that runs the grader, not of your code: try again, and tell your instructor if it stays.',
    'hint.catchPerClient':
      'Catch the error around serving one client (OSError in Python, IOException in Java, the socket\'s "error" event in Node), so one client cannot stop the server.',
    'hint.crash.notConnected':
      'recv() or send() was called on the listening socket. The listening socket only accepts: accept() returns a new socket for each client, and recv() and send() go on that one.',
    'hint.crash.reset': 'A client reset the connection, and reading from it raised an error that ended your server. {catch}',
    'hint.crash.brokenPipe': 'The client had gone when your server sent. {catch}',
    'hint.crash.timeout':
      'No reply came in time, and the timeout error ended your program with a traceback. Catch it (except TimeoutError / socket.timeout), print "timed out" and exit with code 1.',
    'hint.crash.refused':
      'No server was listening, and the error ended your program with a traceback. Catch it (except OSError), print "could not connect" and exit with code 1.',
    'hint.crash.unicode': 'The bytes were not valid UTF-8 text. Decode with errors="replace" (bytes.decode("utf-8", errors="replace")), or catch the error.',
    'hint.crash.addressInUse': 'The port was taken. Set SO_REUSEADDR before bind(), and make sure only one copy of your server runs.',


    // The transcript: what happened, in words; the bytes shown as they were
    'log.started': 'started: {command}',
    'log.listening': 'listening on port {port}/{protocol}',
    'log.bound': 'bound to port {port}/{protocol}',
    'log.connect': 'connect to {address}',
    'log.connectFailed': 'connection failed: {error}',
    'log.graderListening': 'listening on port {port} (127.0.0.1 and ::1)',
    'log.grader': 'grader',
    'log.graderPort': 'grader :{port}',
    'log.graderUdp': 'grader udp :{port}',
    'log.loss': 'the network now loses {percent}% of the packets on {port}',
    'log.spinning': 'uses the CPU without pause (a loop that never waits)',
    'log.exited': 'exited with code {code}{signal}',
    'log.keyboard': '{program} keyboard',
    'log.typed': 'typed {text} + Enter',
    'log.endInput': 'Ctrl-D (end of input)',
    'log.output': '{program} output',
    'log.printed': 'printed {text}',
    'log.stillRunning': 'still running after {time}',
    'log.sent': 'sent {bytes}',
    'log.stoppedReading': 'the grader stopped reading: more than {mib} MiB arrived that it did not ask for',
    'log.peerClosed': 'closed its side (end of stream)',
    'log.peerReset': 'reset the connection',
    'log.socketError': 'socket error: {error}',
    'log.couldNotSend': 'could not send {bytes}: the connection is closed',
    'log.halfClosed': 'closed its sending side (FIN)',
    'log.resetRst': 'reset the connection (RST)',
    'log.listenerError': 'listener error: {error}',
    'log.tooManyConnections': 'more than {max} connections: the grader stops listening',
    'log.connected': "connected to the grader's port {port}",
    'log.datagramFrom': 'datagram {bytes} from port {port}',
    'log.floodUdp': 'more than {max} datagrams arrived unasked: the grader stops listening',
    'log.datagramTo': 'datagram {bytes} to port {port}',
    'report.byGrader': 'grader',
    'report.byProgram': 'program',

    // The terminal reporter (reporters.ts)
    'report.expected': 'expected:',
    'report.received': 'received:',
    'report.hint': 'hint:',
    'report.whatHappened': 'what happened:',
    'report.earlierSteps': '… {n} earlier steps',
    'report.printed': '{program} printed:',
    'report.skipped': 'skipped',
    'report.failed': 'failed',
    'report.allPassed': 'all checks passed',
    'report.oneFailed': '1 check failed',
    'report.manyFailed': '{n} checks failed',
    'report.noRoles': 'no roles',
    'report.summary': '{lab} ({lang}, {roles}): {verdict} in {s} s',
    'report.grading': 'Grading {lab} ({lang}): {files}',

    // The CI job summary (ci-reports.ts): a Markdown table on the run's page
    'summary.title': 'socklab: {lab} ({lang})',
    'summary.check': 'Check',
    'summary.result': 'Result',
    'summary.points': 'Points',
    'summary.why': 'Why',
    'summary.passed': 'passed',
    'summary.total': '{points} of {max} points',
    'summary.missing': 'not graded: there is no {file}',
  },
  {
    'program.yours': '여러분의 {role}{n}',
    'program.reference': '정답 코드의 {role}{n}',
    'role.server': '서버',
    'role.client': '클라이언트',
    'time.secs': '{n}초',
    'time.moment': '검사 시작 후 {t}초',
    nothing: '(없음)',

    'ready.beforeListen': '포트 {port}/{protocol}에서 리슨하기 전에',
    'ready.beforeBind': '포트 {port}/{protocol}에 바인드하기 전에',
    'ready.noListen': '{program}가 {time} 안에 포트 {port}/{protocol}에서 리슨하지 않았습니다',
    'ready.noBind': '{program}가 {time} 안에 포트 {port}/{protocol}에 바인드하지 않았습니다',

    'connect.timedOut': '포트 {port}에 연결하지 못했습니다: 연결이 타임아웃되었습니다 (응답도, 연결 거부도 없었습니다)',
    'connect.refused': '포트 {port}에 연결하지 못했습니다: 연결 거부',
    'connect.error': '포트 {port}에 연결하지 못했습니다: {error}',

    'exit.crashed': '{program}가 크래시했습니다 (종료 코드 {code}{signal}{when}){error}',
    'exit.crashedWhy': '{why} {program}가 크래시했습니다 (종료 코드 {code}{signal}{when}){error}',
    'exit.exited': '{program}가 종료되었습니다 (종료 코드 {code}{signal}{when}){error}',
    'exit.exitedWhy': '{why} {program}가 종료되었습니다 (종료 코드 {code}{signal}{when}){error}',
    'exit.at': ', {moment}',
    'exit.atStep': ', {moment}, 채점기의 단계 {step} 직후',
    'exit.error': '. 오류: {error}',
    'exit.code': '{program}가 종료 코드 {code}{signal}로 종료되었습니다',
    'exit.codeShort': '종료 코드 {code}',
    'cause.then': '{cause}. 그 결과: {symptom}',
    'stuck.notAccepting': '{program}가 포트 {port}에서 리슨 중이지만{since} 연결을 받아들이지(accept) 않았습니다: {clients}{left}',
    'stuck.since': ' {label} 클라이언트가 떠난 뒤로({moment})',
    'stuck.oneClient': '클라이언트 1개가 큐에서 기다리고 있습니다',
    'stuck.clients': '클라이언트 {n}개가 큐에서 기다리고 있습니다',
    'stuck.left': '. 그리고 떠난 {label}의 연결을 아직 붙잡고 있습니다 (CLOSE_WAIT: 서버가 그 연결을 닫지 않았습니다)',
    'stuck.aClient': '어떤 클라이언트',
    'stuck.spinning': '{program}가 쉬지 않고 CPU를 쓰고 있습니다. 아무것도 기다리지 않는 루프에 갇혀 있습니다',

    'print.missingExited': '{program}가 다음을 출력하지 않고 종료되었습니다 (종료 코드 {code}): {want}',
    'print.missingWithin': '{program}가 {time} 안에 다음을 출력하지 않았습니다: {want}',
    'run.stillRunning': '{program}가 {time} 뒤에도 아직 실행 중이었습니다',
    'run.stillRunningWhy': '{program}가 {time} 뒤에도 아직 실행 중이었습니다 ({why})',

    'tcp.closedEarly': '{label}: 프로그램이 {sent}만 받고 연결을 닫았습니다',
    'tcp.noLine': '{time} 안에 {label}에서 온전한 줄이 돌아오지 않았습니다',
    'tcp.partial': '{bytes} ("\\n" 없음)',
    'tcp.matching': '{pattern}에 맞는 줄',
    'tcp.wasReset': '연결이 재설정되었습니다',
    'tcp.wasClosed': '연결이 닫혔습니다',
    'tcp.nothingWithin': '{time} 안에 온전한 줄이 오지 않았습니다',
    'tcp.missingLine': '{label}에서 기다린 응답이 오지 않았습니다: {why}. 기대한 응답: {want}',
    'tcp.missingLinePartial': '{label}에서 기다린 응답이 오지 않았습니다: 줄의 일부만 온 뒤 {why}. 기대한 응답: {want}',
    'tcp.wrongLine': '{label}: 응답이 기대한 것과 다릅니다',
    'tcp.wrongLineDiff': '{label}: 응답이 기대한 것과 다릅니다 ({diff})',
    'tcp.stayedOpen': '{label} 연결이 {time} 동안 열린 채로 남아 있었습니다',
    'tcp.stayedOpenWhy': '{label} 연결이 {why} {time} 동안 열린 채로 남아 있었습니다',
    'tcp.tooManyConnections': '여러분의 프로그램이 채점기의 포트 {port}로 연결을 {max}개 넘게 열었습니다',
    'tcp.onePerLine': '입력한 줄마다 연결 하나',
    'tcp.overConnections': '연결 {max}개 초과',
    'tcp.noConnection': '{time} 안에 포트 {port}로 연결한 프로그램이 없습니다',
    'tcp.noConnectionWhy': '{why} {time} 안에 포트 {port}로 연결한 프로그램이 없습니다',

    'udp.flood': '채점기가 요청하지 않은 데이터그램이 {label}에 {max}개 넘게 도착했습니다',
    'udp.onePerMessage': '메시지마다 데이터그램 하나',
    'udp.overDatagrams': '데이터그램 {max}개 초과',
    'udp.none': '{time} 안에 {label}에 데이터그램이 도착하지 않았습니다',
    'udp.noneWhat': '{time} 안에 {label}에 데이터그램({what})이 도착하지 않았습니다',
    'udp.unasked': '{label}가 요청하지 않은 데이터그램을 받았습니다',
    'udp.nothingMore': '{ms}ms 안에 더 오는 데이터그램 없음',
    'udp.wrong': '{label}: 데이터그램이 기대한 것과 다릅니다',
    'udp.wrongDiff': '{label}: 데이터그램이 기대한 것과 다릅니다 ({diff})',

    'diff.at': '바이트 {i}: 기대한 값 {expected}, 실제 값 {received}',
    'diff.short': '응답이 {n}바이트에서 끝납니다. {missing}바이트가 빠졌고, 다음 바이트는 {next}이어야 합니다',
    'diff.long': '{extra}바이트가 더 왔습니다. 넘친 첫 바이트: {first}',
    'byte.nothing': '없음',
    'show.bytes': '{n}바이트',
    'byte.space': '공백',
    'byte.newline': '개행 문자("\\n")',
    'byte.return': '캐리지 리턴("\\r")',
    'byte.tab': '탭("\\t")',
    'byte.hex': '바이트 0x{hex}',
    'byte.nonAscii': '바이트 0x{hex} (ASCII가 아닌 문자의 일부)',

    'engine.skipped': '건너뜀: "{name}" 검사 항목이 먼저 통과해야 합니다',
    'engine.noSandbox': '샌드박스가 시작되지 않았습니다: {error}',
    'engine.checkTimeout': '검사 항목이 {s}초 안에 끝나지 않았습니다',
    'engine.graderError': '채점기에서 오류가 났습니다: {error}',
    'engine.stackTrace': '{program}가 스택 트레이스를 출력했습니다',

    'hint.refused': '연결 거부: 포트 {port}에서 리슨 중인 프로그램이 없습니다. 서버가 실행 중인가요? 포트 {port}에 바인드하고 listen()을 호출하나요?',
    'hint.bindListen': "포트 {port}에 ('' 또는 0.0.0.0으로) 바인드하고 listen()을 호출하나요?",
    'hint.bind': "포트 {port}에 ('' 또는 0.0.0.0으로) 바인드하나요?",
    'hint.splitLine': 'TCP는 바이트 스트림입니다. recv() 한 번이 줄의 일부만 돌려줄 수도, 두 줄을 한꺼번에 돌려줄 수도 있습니다. 한 줄 전체("\\n"까지)를 받을 때까지 계속 읽으세요.',
    'hint.noReply': '응답이 오지 않았습니다. 요청이 온 주소로 응답을 돌려보내고, 플러시하나요?',
    'hint.oneReply': '받은 메시지마다 정확히 응답 하나를, 메시지가 온 주소로 보내고, 그 밖에는 아무것도 보내지 마세요.',
    'hint.exactBytes': '응답은 기대한 바이트와 정확히 같아야 합니다. 프로그램이 보낸 내용(위)과 한 바이트씩 비교해 보세요.',
    'hint.print': '끝에 개행 문자를 붙여 출력하고 플러시하세요 (Python에서는 print(..., flush=True)). 그래야 프로그램이 다시 기다리기 전에 출력이 보입니다.',
    'hint.stillRunning': '프로그램이 아직 실행 중이었습니다. 클라이언트는 할 일을 마치면, 입력이 열려 있더라도 스스로 끝나야 합니다.',
    'hint.exitCode0': '할 일을 마친 프로그램은 종료 코드 0으로 끝납니다 (프로그램의 끝에 이르거나 sys.exit(0)).',
    'hint.exitCode': '할 일을 할 수 없을 때 프로그램은 종료 코드 {code}로 끝납니다: Python에서는 sys.exit({code}), Node에서는 process.exitCode = {code}, Java에서는 System.exit({code}).',
    'hint.serverExited': '계속 서비스해야 할 서버가 종료되었습니다 (종료 코드 {code}). 서버는 끝없이 반복하며, 클라이언트 하나의 문제로 끝나서는 안 됩니다.',
    'hint.serverStopped':
      '서버가 오류 없이 스스로 끝났습니다 (종료 코드 0). 무언가가 루프를 멈추게 했습니다 (break, return, 또는 루프의 조건). 서버는 끝없이 반복하며, 요청이 무엇을 담고 있든 모든 요청에 답합니다.',
    'hint.crashed':
      '프로그램이 오류로 멈췄습니다. 출력의 마지막 줄(아래)이 오류의 이름이고, 그 위의 줄들이 위치를 알려 줍니다. 원인을 고치거나, 그 오류를 잡아서 짧은 메시지를 출력하세요 (사용자가 트레이스백을 보게 해서는 안 됩니다).',
    'hint.notAccepting':
      '리스닝 소켓은 새 클라이언트를 큐에 넣어 둘 뿐이고, 클라이언트들은 서버가 다시 accept()를 호출할 때까지 기다립니다. 서버가 다른 곳에 묶여 있습니다. 가장 흔한 경우는 이미 떠난 클라이언트를 읽는 루프입니다. 클라이언트가 연결을 닫으면 recv()는 매번 b""(빈 값)를 돌려주므로, 루프는 그때 멈춰야 합니다 (if not chunk: break).',
    'hint.spinning':
      '프로그램이 쉬지 않고 CPU를 씁니다. 아무것도 기다리지 않는 루프, 즉 바쁜 루프(busy loop)입니다. 루프들과 출력한 내용을 살펴보세요. 가장 흔한 경우는 recv()가 b""를 돌려준 뒤(상대가 연결을 닫은 뒤)에도 계속 도는 읽기 루프, 또는 자기 포트로 보내서 끝없이 자기 자신에게 답하는 서버입니다.',
    'hint.stackTrace': '프로그램이 스택 트레이스를 출력했습니다. 오류를 잡아서 대신 짧은 메시지를 출력하세요. 사용자가 트레이스백을 보게 해서는 안 됩니다.',
    'hint.closedEarly':
      '채점기가 다 보내기 전에 프로그램이 연결을 닫았습니다. TCP는 바이트 스트림이라 한 줄이 여러 조각으로 도착할 수 있습니다. 답하고 닫기 전에 "\\n"이 올 때까지 계속 읽으세요.',
    'hint.notClosed': '연결이 열린 채로 남았습니다. 응답을 보낸 뒤 연결 소켓을 닫아야 클라이언트가 스트림의 끝을 봅니다.',
    'hint.clientConnect': '클라이언트가 localhost(또는 127.0.0.1)의 포트 {port}에 연결하나요?',
    'hint.flood': '프로그램이 채점기가 요청한 것보다 훨씬 많이 보냈습니다. 요청마다(또는 입력한 줄마다) 메시지 하나를 보내고, 루프로 계속 보내지 마세요.',
    'hint.tooManyConnections': '클라이언트가 연결을 계속 새로 열었습니다. 연결 하나를 열고, 줄을 보내고, 응답을 읽고, 닫으세요.',
    'hint.timeout': '프로그램이 응답을 멈췄습니다. 마지막으로 일어난 일은 기록에서 볼 수 있습니다.',
    'hint.graderError': '여러분의 코드가 아니라 실습 쪽의 문제입니다. 담당 교수자에게 알려 주세요.',
    'hint.sandbox': '여러분의 코드가 아니라 채점기를 실행하는 컴퓨터의 문제입니다. 다시 시도해 보고, 계속되면 담당 교수자에게 알려 주세요.',
    'hint.catchPerClient':
      '클라이언트 하나를 처리하는 부분을 감싸서 오류를 잡으세요 (Python은 OSError, Java는 IOException, Node는 소켓의 "error" 이벤트). 그래야 클라이언트 하나가 서버를 멈추지 못합니다.',
    'hint.crash.notConnected':
      '리스닝 소켓에서 recv()나 send()를 호출했습니다. 리스닝 소켓은 연결을 받아들이기만 합니다. accept()가 클라이언트마다 새 소켓을 돌려주고, recv()와 send()는 그 소켓에서 호출해야 합니다.',
    'hint.crash.reset': '클라이언트가 연결을 재설정했고, 그 연결을 읽다가 난 오류가 서버를 끝냈습니다. {catch}',
    'hint.crash.brokenPipe': '서버가 보낼 때 클라이언트는 이미 떠나고 없었습니다. {catch}',
    'hint.crash.timeout':
      '제시간에 응답이 오지 않았고, 타임아웃 오류가 트레이스백과 함께 프로그램을 끝냈습니다. 그 오류를 잡아서(except TimeoutError / socket.timeout) "timed out"을 출력하고 종료 코드 1로 끝내세요.',
    'hint.crash.refused':
      '리슨 중인 서버가 없었고, 그 오류가 트레이스백과 함께 프로그램을 끝냈습니다. 그 오류를 잡아서(except OSError) "could not connect"를 출력하고 종료 코드 1로 끝내세요.',
    'hint.crash.unicode': '받은 바이트가 올바른 UTF-8 텍스트가 아니었습니다. errors="replace"로 디코딩하거나(bytes.decode("utf-8", errors="replace")), 오류를 잡으세요.',
    'hint.crash.addressInUse': '포트가 이미 사용 중이었습니다. bind() 전에 SO_REUSEADDR를 설정하고, 서버가 하나만 실행되고 있는지 확인하세요.',


    'log.started': '시작: {command}',
    'log.listening': '포트 {port}/{protocol}에서 리슨 중',
    'log.bound': '포트 {port}/{protocol}에 바인드됨',
    'log.connect': '{address}에 연결',
    'log.connectFailed': '연결 실패: {error}',
    'log.graderListening': '포트 {port}에서 리슨 중 (127.0.0.1과 ::1)',
    'log.grader': '채점기',
    'log.graderPort': '채점기 :{port}',
    'log.graderUdp': '채점기 udp :{port}',
    'log.loss': '이제부터 네트워크가 {port}의 패킷 중 {percent}%를 잃습니다',
    'log.spinning': '쉬지 않고 CPU를 씀 (아무것도 기다리지 않는 루프)',
    'log.exited': '종료 코드 {code}{signal}로 종료됨',
    'log.keyboard': '{program} 키보드',
    'log.typed': '{text} 입력 + Enter',
    'log.endInput': 'Ctrl-D (입력의 끝)',
    'log.output': '{program} 출력',
    'log.printed': '{text} 출력',
    'log.stillRunning': '{time} 뒤에도 실행 중',
    'log.sent': '{bytes} 보냄',
    'log.stoppedReading': '채점기가 읽기를 멈춤: 요청하지 않은 데이터가 {mib} MiB 넘게 옴',
    'log.peerClosed': '자기 쪽을 닫음 (스트림의 끝)',
    'log.peerReset': '연결을 재설정함',
    'log.socketError': '소켓 오류: {error}',
    'log.couldNotSend': '{bytes} 보내기 실패: 연결이 닫혀 있음',
    'log.halfClosed': '보내는 쪽을 닫음 (FIN)',
    'log.resetRst': '연결을 재설정함 (RST)',
    'log.listenerError': '리스너 오류: {error}',
    'log.tooManyConnections': '연결이 {max}개를 넘음: 채점기가 리슨을 멈춤',
    'log.connected': '채점기의 포트 {port}에 연결함',
    'log.datagramFrom': '포트 {port}에서 온 데이터그램 {bytes}',
    'log.floodUdp': '요청하지 않은 데이터그램이 {max}개 넘게 옴: 채점기가 받기를 멈춤',
    'log.datagramTo': '포트 {port}로 데이터그램 {bytes}',
    'report.byGrader': '채점기',
    'report.byProgram': '프로그램',

    'report.expected': '기대한 결과:',
    'report.received': '실제 결과:',
    'report.hint': '힌트:',
    'report.whatHappened': '일어난 일:',
    'report.earlierSteps': '… 앞선 단계 {n}개',
    'report.printed': '{program} 출력:',
    'report.skipped': '건너뜀',
    'report.failed': '실패',
    'report.allPassed': '모든 검사 항목 통과',
    'report.oneFailed': '검사 항목 1개 실패',
    'report.manyFailed': '검사 항목 {n}개 실패',
    'report.noRoles': '역할 없음',
    'report.summary': '{lab} ({lang}, {roles}): {s}초 만에 {verdict}',
    'report.grading': '{lab} ({lang}) 채점 중: {files}',

    'summary.title': 'socklab: {lab} ({lang}) 채점 결과',
    'summary.check': '검사 항목',
    'summary.result': '결과',
    'summary.points': '점수',
    'summary.why': '이유',
    'summary.passed': '통과',
    'summary.total': '{max}점 만점에 {points}점',
    'summary.missing': '채점하지 않음: {file} 파일이 없습니다',
  },
);

/** The harness's words in one language. */
export type GraderSay = Say<(typeof GRADER)['en']>;

/** The harness's words in `locale`. */
export function graderSay(locale: Locale): GraderSay {
  return sayer(GRADER, locale);
}

/** A role's name in the harness's words ("server" → "서버"); a role the harness does not know stays as the lab named it. */
export function roleName(say: GraderSay, role: string): string {
  return role === 'server' || role === 'client' ? say(`role.${role}`) : role;
}
