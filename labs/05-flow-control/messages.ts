/**
 * The words of lab 05's grader (checks.ts) in every language: the
 * check names as the lessons print them (site/i18n/ko-glossary.md) and the
 * keyboard-reading hints. Other failure messages and hints are still English
 * in checks.ts (issue 13 leftover).
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
      'input()은 사용자가 Enter를 누를 때까지 블록되고, 그동안 아무도 소켓을 읽지 않습니다. 그러면 수신 버퍼가 차고, 윈도우가 닫히고, 서버의 전송이 멈춥니다. 소켓은 별도의 스레드에서 읽으세요(또는 asyncio.to_thread로 input()을 asyncio 루프 밖에서 실행하세요).',
  },
);
