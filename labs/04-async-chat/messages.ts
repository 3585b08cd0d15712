/**
 * The words of lab 04's grader (checks.ts) in every language; the room of
 * grader clients speaks with lab 03's (room.ts). Check names as the lessons
 * print them (site/i18n/ko-glossary.md); the chat's lines stay as they are.
 */
import { defineMessages } from '../../runner/grader/api.ts';

export default defineMessages(
  {
    'check.listens': 'listens on port 8000',
    'check.joinMessage': 'announces "* <nick> joined the chat" to the newcomer',
    'check.messageFormat': 'relays "[<nick>] text" to everyone, the sender included, text as sent',
    'check.nicknameTrimmed': 'trims the nickname',
    'check.unnamedHearNothing': 'a client that has not sent its nickname receives nothing',
    'check.emptyLines': 'ignores empty lines',
    'check.sameNickname': 'two clients with the same nickname both stay in the chat',
    'check.splitLine': 'keeps a line whole when it arrives in two pieces',
    'check.load': '5 clients sending 200 lines each at once: every line intact, in order (3 rounds)',
    'check.cleanDisconnect': 'announces "* <nick> left the chat" and goes on when a client leaves',
    'check.reset': 'announces "* <nick> left the chat" and goes on when a client resets',
    'check.idleAfterLeave': 'goes back to idle after a client leaves (no busy loop)',
    'check.lateJoiner': 'a client that joins later receives what is said after it joined',
    'check.hundredClients': '100 clients at once each receive a broadcast within 2 s',

    nothing: '(nothing)',
    'why.afterOneClient': 'after one client connected and left',
    'busy.javascript': "Node calls you when something happens: never poll a socket in a loop or with a short timer. When the 'end' event comes, close the socket and forget the client.",
    'busy.python':
      "At the end of the stream, `await reader.readline()` (or read()) returns b'' at once, every time, without waiting: a `while True` that goes on reading never gives the event loop back and spins a whole core. Leave the loop when the read returns b'', announce the departure and close the writer.",

    'join.fail': 'the first line a client sends is its nickname: after "alice\\n" it must receive the join announcement',
    'join.hint': 'Once a client has sent its nickname, send "* <nick> joined the chat" to every client that has a nickname, the newcomer included: exactly that text, then "\\n".',
    'trim.note': 'carol types her nickname with spaces around it',
    'trim.fail': 'carol sent "  carol \\t" as her nickname; {who} should then receive the announcement with the trimmed nickname',
    'trim.hint': 'Trim the nickname: strip() in Python, trim() in JavaScript. Only the nickname is trimmed; message text goes out as sent.',
    'unnamed.fail': 'a client that has not sent its nickname yet received chat lines',
    'unnamed.expected': '(nothing until it sends its nickname)',
    'unnamed.hint': 'Only clients that have a nickname are in the chat: add a client to your members when its nickname arrives, not when it connects.',
    'unnamed.event': 'quiet sent its nickname "quiet"',
    'unnamed.noOwn': 'quiet sent its nickname but did not receive its own join announcement',
    'empty.note': 'alice sends an empty line, then a real one',
    'same.note': 'two clients both choose the nickname "sam"',
    'same.fail': 'the first "sam" did not hear that a second "sam" joined: the server seems to have dropped one of them',
    'same.hint':
      'Two clients may choose the same nickname. A dict keyed by nickname keeps only the last writer stored under it, so the first "sam" is gone. Key your members by the client (its writer or socket) and store the nickname as the value.',
    'hundred.note': '100 clients connect and send their nicknames u1 ... u100',
    'hundred.noJoin': '{who} did not receive "* u100 joined the chat" within 20 s of connecting',
    'hundred.hintJoin': 'With 100 clients connected, every join announcement must still reach every named client.',
    'hundred.clock': 'u1 says one line; the clock starts',
    'hundred.slow': "{who} did not receive u1's line within 2 s (after {ms} ms)",
    'hundred.hintSlow': 'One thread serves every client, so nothing may block it: no blocking socket calls, no time.sleep(), and in a broadcast write to every client first, then await drain().',
    'hundred.done': 'all 100 clients received it within {ms} ms',
  },
  {
    'check.listens': '8000번 포트에서 리슨함',
    'check.joinMessage': '새로 들어온 클라이언트에게 "* <nick> joined the chat"을 알림',
    'check.messageFormat': '"[<nick>] text"를 보낸 사람을 포함한 모두에게, 텍스트는 받은 그대로 전달함',
    'check.nicknameTrimmed': '닉네임의 앞뒤 공백을 제거함',
    'check.unnamedHearNothing': '닉네임을 보내지 않은 클라이언트는 아무것도 받지 않음',
    'check.emptyLines': '빈 줄을 무시함',
    'check.sameNickname': '같은 닉네임의 두 클라이언트가 모두 채팅에 남음',
    'check.splitLine': '줄이 두 조각으로 도착해도 한 줄로 유지함',
    'check.load': '클라이언트 5개가 동시에 200줄씩 보냄: 모든 줄이 온전하게, 순서대로 (3회)',
    'check.cleanDisconnect': '클라이언트가 떠나면 "* <nick> left the chat"을 알리고 계속 동작함',
    'check.reset': '클라이언트가 연결을 재설정하면 "* <nick> left the chat"을 알리고 계속 동작함',
    'check.idleAfterLeave': '클라이언트가 떠난 뒤 유휴 상태로 돌아감 (바쁜 루프 없음)',
    'check.lateJoiner': '나중에 들어온 클라이언트가 들어온 뒤에 오간 말을 받음',
    'check.hundredClients': '클라이언트 100개가 동시에 연결되어도 각자 2초 안에 브로드캐스트를 받음',

    nothing: '(없음)',
    'why.afterOneClient': '클라이언트 하나가 연결했다가 떠난 뒤',
    'busy.javascript': 'Node는 무슨 일이 생기면 여러분을 호출합니다. 소켓을 루프나 짧은 타이머로 폴링하지 마세요. \'end\' 이벤트가 오면 소켓을 닫고 그 클라이언트를 잊으세요.',
    'busy.python':
      "스트림의 끝에서 `await reader.readline()`(또는 read())은 기다리지 않고 매번 곧바로 b''를 돌려줍니다. 계속 읽는 `while True`는 이벤트 루프에 제어를 돌려주지 않고 코어 하나를 통째로 씁니다. 읽기가 b''를 돌려주면 루프를 빠져나와, 퇴장을 알리고 writer를 닫으세요.",

    'join.fail': '클라이언트가 처음 보내는 줄은 닉네임입니다. "alice\\n" 다음에는 입장 알림을 받아야 합니다',
    'join.hint': '클라이언트가 닉네임을 보내면, 새로 들어온 클라이언트를 포함해 닉네임이 있는 모든 클라이언트에게 "* <nick> joined the chat"을 보내세요. 정확히 그 텍스트에 "\\n"을 붙여서 보냅니다.',
    'trim.note': 'carol이 닉네임 앞뒤에 공백을 넣어 입력합니다',
    'trim.fail': 'carol이 닉네임으로 "  carol \\t"을 보냈습니다. 그러면 {who} 클라이언트는 앞뒤 공백을 제거한 닉네임으로 된 입장 알림을 받아야 합니다',
    'trim.hint': '닉네임의 앞뒤 공백을 제거하세요: Python에서는 strip(), JavaScript에서는 trim(). 공백을 제거하는 것은 닉네임뿐이고, 메시지 텍스트는 받은 그대로 보냅니다.',
    'unnamed.fail': '아직 닉네임을 보내지 않은 클라이언트가 채팅 줄을 받았습니다',
    'unnamed.expected': '(닉네임을 보낼 때까지 아무것도 없음)',
    'unnamed.hint': '닉네임이 있는 클라이언트만 채팅에 참여합니다. 클라이언트가 연결할 때가 아니라 닉네임이 도착할 때 멤버 목록에 넣으세요.',
    'unnamed.event': 'quiet 클라이언트가 닉네임으로 "quiet"을 보냈습니다',
    'unnamed.noOwn': 'quiet 클라이언트가 닉네임을 보냈지만 자기 입장 알림을 받지 못했습니다',
    'empty.note': 'alice가 빈 줄을 보낸 다음 진짜 줄을 보냅니다',
    'same.note': '두 클라이언트가 모두 닉네임 "sam"을 고릅니다',
    'same.fail': '첫 번째 "sam"이 두 번째 "sam"의 입장을 듣지 못했습니다. 서버가 둘 중 하나를 잃어버린 것 같습니다',
    'same.hint':
      '두 클라이언트가 같은 닉네임을 고를 수 있습니다. 닉네임을 키로 하는 dict는 그 키에 마지막으로 저장한 writer만 남기므로, 첫 번째 "sam"은 사라집니다. 멤버는 클라이언트(writer나 소켓)를 키로 하고, 닉네임을 값으로 저장하세요.',
    'hundred.note': '클라이언트 100개가 연결해서 닉네임 u1 ... u100을 보냅니다',
    'hundred.noJoin': '{who} 클라이언트가 연결한 지 20초 안에 "* u100 joined the chat"을 받지 못했습니다',
    'hundred.hintJoin': '클라이언트 100개가 연결되어 있어도, 모든 입장 알림은 닉네임이 있는 모든 클라이언트에게 가야 합니다.',
    'hundred.clock': 'u1이 한 줄을 말합니다. 시간을 재기 시작합니다',
    'hundred.slow': '{who} 클라이언트가 2초 안에 u1의 줄을 받지 못했습니다 ({ms} ms 지남)',
    'hundred.hintSlow': '스레드 하나가 모든 클라이언트를 처리하므로, 그 스레드를 막는 것이 있으면 안 됩니다. 블로킹 소켓 호출도, time.sleep()도 쓰지 말고, 브로드캐스트에서는 먼저 모든 클라이언트에게 쓴 다음 drain()을 await하세요.',
    'hundred.done': '클라이언트 100개가 모두 {ms} ms 안에 받았습니다',
  },
);
