/**
 * compileError: the language's refusal of a program's code, told apart from
 * a crash, from each language's real output (Python 3.11, `java
 * Server.java` of JDK 17, Node 20 on an ES module).
 */
import { describe, expect, it } from 'vitest';
import { compileError, hasStackTrace } from './hints.ts';

const PYTHON_INDENT = '  File "/work/server.py", line 11\n    while True:\nIndentationError: unexpected indent\n';
const PYTHON_SYNTAX = '  File "/work/server.py", line 4\n    def handle(conn)\n                    ^\nSyntaxError: expected \':\'\n';
const PYTHON_CRASH = 'Traceback (most recent call last):\n  File "/work/server.py", line 3, in <module>\n    json.loads("x")\nValueError: boom\n';
const JAVA = "Server.java:9: error: ';' expected\nimport java.io.BufferedReader\n                             ^\n1 error\nerror: compilation failed\n";
const NODE_LOAD =
  "file:///work/server.js:10\nconst const SERVER_PORT = 2000;\n      ^^^^^\n\nSyntaxError: Unexpected token 'const'\n    at compileSourceTextModule (node:internal/modules/esm/utils:346:16)\n    at ModuleLoader.moduleStrategy (node:internal/modules/esm/translators:146:18)\n\nNode.js v20.20.2\n";
const NODE_JSON =
  '<anonymous_script>:1\nthis is not JSON\n ^\n\nSyntaxError: Unexpected token \'h\', "this is not JSON" is not valid JSON\n    at JSON.parse (<anonymous>)\n    at WebSocket.<anonymous> (file:///work/server.js:28:26)\n    at WebSocket.emit (node:events:524:28)\n\nNode.js v20.20.2\n';

describe('compileError', () => {
  it("names Python's, javac's and Node's refusal of the code, with the file and line", () => {
    expect(compileError(PYTHON_INDENT)).toEqual({ error: 'IndentationError: unexpected indent', file: 'server.py', line: 11 });
    expect(compileError(PYTHON_SYNTAX)).toEqual({ error: "SyntaxError: expected ':'", file: 'server.py', line: 4 });
    expect(compileError(JAVA)).toEqual({ error: "';' expected", file: 'Server.java', line: 9 });
    expect(compileError(NODE_LOAD)).toEqual({ error: "SyntaxError: Unexpected token 'const'", file: 'server.js', line: 10 });
    // Python prints no traceback for it: before, the grader did not see a crash at all.
    expect(hasStackTrace(PYTHON_INDENT)).toBe(false);
  });

  it('leaves crashes alone: a traceback, and a SyntaxError thrown at run time (JSON.parse) from the student\'s own code', () => {
    expect(compileError(PYTHON_CRASH)).toBeUndefined();
    expect(compileError(NODE_JSON)).toBeUndefined();
    expect(compileError('The server is ready on port 2000\n')).toBeUndefined();
  });
});
