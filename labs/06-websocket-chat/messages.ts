/**
 * The words of lab 06's grader (checks.ts) in every language: the
 * check names as the lessons print them (site/i18n/ko-glossary.md). Failure
 * messages and hints are still English in checks.ts (issue 13 leftover).
 */
import { defineMessages } from '../../runner/grader/api.ts';

export default defineMessages(
  {
    'check.listens': 'answers HTTP on port 4000',
    'check.historyStartsEmpty': 'GET /messages answers 200 with a JSON array, empty at first',
    'check.post201': 'POST /messages answers 201 Created',
    'check.postStores': 'POST /messages stores {text, timestamp}, setting the time when none is given',
    'check.historyOrder': 'the history lists messages oldest first',
    'check.wsUpgrade': 'accepts a WebSocket at /ws',
    'check.postBroadcasts': 'POST /messages pushes the message to every WebSocket client',
    'check.postValidation': 'refuses bad bodies with 400: nothing stored, nothing pushed',
    'check.wsFrameBroadcast': 'a message sent over the WebSocket reaches every client, its sender included',
    'check.wsFrameStored': 'a message sent over the WebSocket is stored in the history',
    'check.wsBadFrames': 'ignores WebSocket frames that are not a message, and keeps serving',
    'check.abruptDisconnect': 'clients that vanish are dropped; the others still get every message',
    'check.twentyClients': '20 WebSocket clients at once each receive every message',
  },
  {
    'check.listens': '4000번 포트에서 HTTP에 응답함',
    'check.historyStartsEmpty': 'GET /messages가 200과 JSON 배열로 응답하고, 처음에는 비어 있음',
    'check.post201': 'POST /messages가 201 Created로 응답함',
    'check.postStores': 'POST /messages가 {text, timestamp}를 저장하고, 시각이 없으면 직접 채움',
    'check.historyOrder': '기록이 오래된 메시지부터 나열됨',
    'check.wsUpgrade': '/ws에서 WebSocket 연결을 받아들임',
    'check.postBroadcasts': 'POST /messages가 메시지를 모든 WebSocket 클라이언트에게 푸시함',
    'check.postValidation': '잘못된 본문은 400으로 거절함: 저장도, 푸시도 하지 않음',
    'check.wsFrameBroadcast': 'WebSocket으로 보낸 메시지가 보낸 클라이언트를 포함한 모든 클라이언트에게 전달됨',
    'check.wsFrameStored': 'WebSocket으로 보낸 메시지가 기록에 저장됨',
    'check.wsBadFrames': '메시지가 아닌 WebSocket 프레임은 무시하고 계속 서비스함',
    'check.abruptDisconnect': '갑자기 사라진 클라이언트는 빼고, 나머지는 계속 모든 메시지를 받음',
    'check.twentyClients': 'WebSocket 클라이언트 20개가 동시에 연결되어도 각자 모든 메시지를 받음',
  },
);
