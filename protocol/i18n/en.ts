/**
 * The English messages of the workbench and the course's pages: the source
 * catalog. Every other language has exactly these keys with the same
 * `{parameters}` (ko.ts `satisfies Catalog`, checked by catalog.test.ts).
 *
 * A `{name}` is filled by `t()`; where the page puts an element there (a
 * <code> or <kbd>), it splits the text with `parts()` instead. Keys are
 * grouped by the part of the page that shows them.
 */
export const en = {
  // The language's own name (the header's language switch) and the site's navigation.
  'language.name': 'English',
  'nav.home': 'Course home',
  'nav.labs': 'Labs',

  // Workbench.astro: the placeholder before the workbench loads.
  'workbench.heading': 'Workbench',
  'workbench.intro': 'Write your programs here ({languages}), press {run} to start them in a sandbox, and {check} to grade them.',
  'workbench.open': 'Open the workbench',
  'workbench.label': 'Workbench: {title}',

  // loader.ts
  'loader.loading': 'Loading the editor and terminals…',
  'loader.failed': 'The workbench could not load ({error}). Reload the page to try again.',

  // toolbar.ts
  'toolbar.label': 'Workbench controls',
  'toolbar.language': 'Language',
  'toolbar.run': 'Run',
  'toolbar.runTitle': 'Run your programs ({key})',
  'toolbar.stop': 'Stop',
  'toolbar.stopTitle': 'Stop every program',
  'toolbar.check': 'Check',
  'toolbar.checking': 'Checking…',
  'toolbar.checkTitle': 'Grade your code with the lab’s checks',
  'toolbar.addClient': 'Add client',
  'toolbar.addRole': 'Add {role}',
  'toolbar.addClientTitle': 'Start one more client',
  'toolbar.reset': 'Reset to starter',
  'toolbar.resetTitle': 'Replace your code with the starter code',
  'toolbar.solution': 'Show solution',
  'toolbar.solutionTitle': 'Replace your code with the reference solution',
  'toolbar.expand': 'Expand',
  'toolbar.collapse': 'Collapse',
  'toolbar.expandTitle': 'Use the whole window for the workbench',
  'toolbar.fileActions': 'File actions',
  'toolbar.keyboardTitle': 'Keyboard: ',
  'toolbar.keyboardHelp': '{runKey} runs, from anywhere in the workbench. In the editor Tab indents; press {tabKey} to make Tab move the focus instead. In a terminal, keys go to your program ({ctrlC} too); press {esc} to leave it.',

  // tabs.ts: the editor
  'editor.files': 'Files',
  'editor.label': 'Code editor',
  'editor.labelFile': 'Code editor: {file} ({language})',

  // terminals.ts, pane.ts: the program terminals
  'terminals.label': 'Program terminals',
  'pane.label': '{name} terminal',
  'pane.input': '{name} terminal input',
  'pane.restart': 'Restart',
  'pane.restartLabel': 'Restart {name}',
  'pane.restartTitle': 'Restart {name} with the current code',
  'pane.restarting': '[restarting {name} with your current code]',
  'state.notStarted': 'not started',
  'state.starting': 'starting',
  'state.running': 'running',
  'state.listening': 'listening',
  'state.listeningOn': 'listening on {ports}',
  'state.exitedWithCode': 'exited with code {code}',
  'state.stoppedByCtrlC': 'stopped by Ctrl-C (SIGINT)',
  'state.stoppedBySignal': 'stopped ({signal})',
  'state.exited': 'exited',

  // inspector.ts: the socket inspector
  'inspector.title': 'Sockets ',
  'inspector.hint': '(live: state and queued bytes of every socket in your sandbox)',
  'inspector.empty': 'No sockets yet: press Run.',
  'inspector.none': 'No sockets open right now.',
  'inspector.colProgram': 'program',
  'inspector.colProto': 'proto',
  'inspector.colState': 'state',
  'inspector.colLocal': 'local',
  'inspector.colRemote': 'remote',
  'inspector.colSendQueue': 'send queue',
  'inspector.colRecvQueue': 'receive queue',
  'inspector.unacked': 'bytes sent but not yet acknowledged',
  'inspector.acceptQueue': 'connections waiting for accept()',
  'inspector.unread': 'bytes received but not yet read',

  // checklist.ts: Check's results
  'checks.label': 'Check results',
  'checks.last': 'Last Check ({language}, {when}): {verdict}. Press Check to run it again.',
  'checks.starting': 'Checking… (the grader starts your programs in a fresh sandbox)',
  'checks.progress': 'Checking… {done} of {total} done',
  'checks.finished': '{verdict} in {seconds} s.',
  'checks.couldNotRun': 'Check could not run: {message}',
  'checks.allPassed': 'all {total} checks passed',
  'checks.counts': '{passed} passed, {failed} failed',
  'checks.countsSkipped': '{passed} passed, {failed} failed, {skipped} skipped',
  'checks.passed': 'passed',
  'checks.failed': 'failed',
  'checks.skipped': 'skipped',
  'checks.pending': 'not run yet',
  'checks.running': 'running',
  'checks.expected': 'expected',
  'checks.received': 'received',
  'checks.hint': 'Hint: ',
  'checks.whatHappened': 'What happened',
  'checks.colMs': 'ms',
  'checks.colWho': 'who',
  'checks.colWhere': 'where',
  'checks.colWhat': 'what',
  'checks.printed': '{name} printed:',
  'checks.whyFailed': 'Why it failed',
  'checks.connectionClosed': 'the connection to the runner closed before the checks finished.',

  // status.ts: the connection to the runner and messages
  'status.connecting': 'Connecting to the runner…',
  'status.reconnecting': 'Reconnecting to the runner…',
  'status.connected': 'Connected to the runner',
  'status.connectedSandbox': 'Connected to the runner (sandbox: {sandbox})',
  'status.sandboxNone': 'none, host processes',
  'status.disconnected': 'Disconnected from the runner',
  'status.notConnected': 'Not connected: no runner is answering',
  'status.noRunner': 'No runner is answering. ',
  'status.runnerStopped': 'The runner stopped answering. ',
  'status.startRunner': 'Run {command} in the socklab folder, then reload this page. You can keep editing meanwhile: your code is saved in this browser.',
  'status.retryNow': 'Retry now',
  'status.retryIn': 'Trying again in {seconds} s.',
  'status.outdated': 'The course was updated: reload the page.',
  'status.outdatedWhy': 'This page is older than the runner. Your code is saved in this browser: nothing is lost.',
  'status.reload': 'Reload',
  'status.messages': 'Messages from the runner',
  'status.dismiss': 'Dismiss message',

  // main.ts: what the workbench tells the student
  'main.labDone': 'Every check passes: {title} is done. Well done!',
  'main.saveFailed': 'This browser did not let the workbench save your code (storage is full or disabled). Copy your work somewhere safe.',
  'main.resetTitle': 'Reset to the starter code?',
  'main.resetText': '{files} will get the starter code back, replacing what you wrote in {language}. You can undo it in the editor (Ctrl+Z) until you reload.',
  'main.resetOk': 'Reset',
  'main.solutionTitle': 'Show the reference solution?',
  'main.solutionText': 'The solution replaces your {language} code in the editor. Trying for yourself first teaches more. You can undo it in the editor (Ctrl+Z) until you reload, or Reset to the starter.',
  'main.solutionOk': 'Show solution',
  'main.switched': 'Switched to {language}. Your {previous} programs were stopped; press Run to start the {language} ones.',
  'main.stillConnecting': 'Still connecting to the runner; try again in a moment.',
  'main.sessionFailed': 'The runner could not start a session: {message}',
  'main.nothingRunning': 'Nothing is running.',
  'main.idleEnded': 'The session ended after a long idle time. Press Run to start again.',
  'dialog.cancel': 'Cancel',

  // preview.ts: the student's web page, served by their server in the sandbox.
  'preview.label': 'Preview of your web server',
  'preview.heading': 'Your page on port {port}',
  'preview.new': 'New preview',
  'preview.newTitle': 'Load your page again at a new address',
  'preview.openTab': 'Open in a new tab',
  'preview.frameTitle': 'Your web page, served by your server',
  'preview.empty': 'Press Run: the page your server serves at GET / on port {port} shows here. Every tab you open from here is one more chat user.',

  // Sequence diagrams in lessons (site/lib/remark-sequence.ts): what a screen reader says.
  'diagram.title': '{participants}: who sends what',
  'diagram.and': '{a} and {b}',
  'diagram.label': 'Sequence diagram: {steps}',
  'diagram.message': '{from} to {to}: {label}',
  'diagram.lost': '{from} to {to}: {label} (lost)',

  // The course home (site/pages).
  'home.description': 'A course in socket programming: write real servers and clients, run them in a sandbox, and check them over real sockets.',
  'home.intro': 'socklab teaches socket programming by doing it. Each lab explains one idea, then asks you to write a small server (and sometimes its clients) in Python, JavaScript or Java. When you press {run}, your programs start as real processes in a sandbox with its own loopback network, and you watch their terminals and sockets live. {check} runs the lab’s grader, which talks to your programs over real TCP and UDP sockets and shows, for every behaviour, what it sent, what it expected and what came back.',
  'home.labs': 'Labs',
  'home.noLabs': 'No labs yet.',
  'home.done': '✓ done',
  'home.started': 'in progress',
  'home.noRunner': 'The lessons read without anything else. To run and check your code, start the course with {command} from a checkout of socklab and open {url}.',
} as const;
