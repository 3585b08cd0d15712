/**
 * The words of lab 02's grader (checks.ts) in every language: check names
 * as the lessons print them (site/i18n/ko-glossary.md), and what the
 * checks add to the harness's failures. Bytes sent and expected stay as
 * they are.
 */
import { defineMessages } from '../../runner/grader/api.ts';

export default defineMessages(
  {
    'check.listens': 'listens on port 12000',
    'check.upperCase': 'replies with the line in upper case',
    'check.closes': 'closes the connection after the reply',
    'check.splitLine': 'waits for the whole line when it arrives in pieces',
    'check.longLine': 'answers a 64 KiB line in full',
    'check.utf8': 'upper-cases UTF-8 text',
    'check.manyClients': 'serves one client after another',
    'check.survivesBadClients': 'keeps serving after clients that leave early or reset',
    'check.clientSendsLine': 'sends the typed line to localhost:12000',
    'check.clientPrintsReply': 'prints the reply and exits with code 0',
    'check.clientSplitReply': 'prints the whole reply when it arrives in pieces',
    'check.clientCouldNotConnect': 'says "could not connect" when no server listens',

    'why.afterOneConnection': 'after one connection',
    'why.afterReply': 'after the reply',
    'why.oneAfterAnother': 'while serving clients one after another',
    'why.afterSilent': 'after a client that connected and left without sending',
    'why.afterReset': 'after a client reset the connection',
    'why.afterPartial': 'after a client closed before its newline',
    'why.afterTyped': 'after a line was typed',
    'why.inputOpen': 'after printing the reply, with its input still open',

    'what.longLine': 'the same 65535 characters in upper case',
    'what.stillThere': '"STILL THERE?\\n" (the server must still answer)',
    'what.makeMeLoud': 'the reply "MAKE ME LOUD"',
    'what.streamMe': 'the whole reply "STREAM ME" on one line',
    'what.couldNotConnect': 'a line containing "could not connect"',

    'note.segments': 'TCP may deliver a line in several segments: the reply must wait for the "\\n"',
    'note.silent': 'a client that connects and leaves without sending',
    'note.reset': 'a client that resets the connection',
    'note.partial': 'a client that closes before the newline',
  },
  {
    'check.listens': '12000번 포트에서 리슨함',
    'check.upperCase': '그 줄을 대문자로 답함',
    'check.closes': '응답 후 연결을 닫음',
    'check.splitLine': '줄이 조각으로 도착해도 한 줄 전체를 기다림',
    'check.longLine': '64 KiB짜리 줄에 빠짐없이 답함',
    'check.utf8': 'UTF-8 텍스트를 대문자로 바꿈',
    'check.manyClients': '클라이언트를 하나씩 차례로 처리함',
    'check.survivesBadClients': '일찍 떠나거나 연결을 재설정한 클라이언트 뒤에도 계속 서비스함',
    'check.clientSendsLine': '입력한 줄을 localhost:12000으로 보냄',
    'check.clientPrintsReply': '응답을 출력하고 종료 코드 0으로 끝남',
    'check.clientSplitReply': '응답이 조각으로 도착해도 응답 전체를 출력함',
    'check.clientCouldNotConnect': '리슨 중인 서버가 없으면 "could not connect"라고 알림',

    'why.afterOneConnection': '연결 하나를 받은 뒤',
    'why.afterReply': '응답 후',
    'why.oneAfterAnother': '클라이언트를 하나씩 차례로 처리하는 도중',
    'why.afterSilent': '아무것도 보내지 않고 떠난 클라이언트 뒤에',
    'why.afterReset': '클라이언트가 연결을 재설정한 뒤',
    'why.afterPartial': '클라이언트가 개행 문자 전에 연결을 닫은 뒤',
    'why.afterTyped': '줄을 입력한 뒤',
    'why.inputOpen': '응답을 출력한 뒤, 입력이 아직 열려 있는 상태에서',

    'what.longLine': '같은 65535자를 대문자로 바꾼 줄',
    'what.stillThere': '"STILL THERE?\\n" (서버가 여전히 답해야 합니다)',
    'what.makeMeLoud': '응답 "MAKE ME LOUD"',
    'what.streamMe': '한 줄로 된 응답 전체 "STREAM ME"',
    'what.couldNotConnect': '"could not connect"가 들어 있는 줄',

    'note.segments': 'TCP는 한 줄을 여러 세그먼트로 나눠 전달할 수 있습니다. 응답은 "\\n"이 올 때까지 기다려야 합니다',
    'note.silent': '연결했다가 아무것도 보내지 않고 떠나는 클라이언트',
    'note.reset': '연결을 재설정하는 클라이언트',
    'note.partial': '개행 문자 전에 연결을 닫는 클라이언트',
  },
);
