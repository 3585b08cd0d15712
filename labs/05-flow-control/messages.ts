/**
 * The words of lab 05's grader (checks.ts) in every language: the
 * check names as the lessons print them (site/i18n/ko-glossary.md). Failure
 * messages and hints are still English in checks.ts (issue 13 leftover).
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
  },
  {
    'check.printsWhileIdle': '사용자가 아무것도 입력하지 않는 동안 서버가 보낸 16 MB를, 서버를 멈추게 하지 않고 출력함',
    'check.typedLine': '대량 전송이 끝난 뒤 입력한 줄을 서버로 보냄',
    'check.endOfInput': '입력이 끝나면 연결을 닫고 종료 코드 0으로 끝남',
    'check.relays': '채팅 프로토콜을 지킴: 입장 알림과 "[<nick>] text"를 모두에게 보냄',
    'check.slowReader': '전혀 읽지 않는 클라이언트 하나가 다른 클라이언트를 멈추게 하지 않음 (20,000줄, 마지막 줄은 5초 안에)',
    'check.boundedMemory': '전혀 읽지 않는 클라이언트를 두고 256 MB를 전달하는 동안 메모리가 96 MB 미만으로 늘어남',
  },
);
