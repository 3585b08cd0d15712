/**
 * The lab loader against lab folders written to a temporary directory, and
 * against the real labs/ folder. Every problem must carry the file and the
 * exact line an instructor has to fix.
 */
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findLab, formatProblem, LabError, loadLab, loadLabs, readLabFiles, type LabProblem } from './load.ts';

/** A valid frontmatter; line N of this array is file line N + 1 (line 1 is the opening ---). */
const VALID = [
  'id: echo', //                                file line 2
  'title: Echo', //                             3
  'order: 2', //                                4
  'summary: An echo lab.', //                   5
  'languages: [python]', //                     6
  'ports:', //                                  7
  '  - port: 12000', //                         8
  '    protocol: tcp', //                       9
  'processes:', //                             10
  '  - role: server', //                       11
  '    ready: { port: 12000, protocol: tcp }', // 12
  '  - role: client', //                       13
  '    addable: true', //                      14
];

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'socklab-labs-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Writes labs/<folder>/ with the given frontmatter lines and every starter and solution file. */
function writeLab(folder: string, frontmatter: string[], opts: { langs?: string[]; files?: string[] } = {}): string {
  const dir = join(root, folder);
  mkdirSync(dir, { recursive: true });
  for (const kind of ['starter', 'solution']) {
    for (const lang of opts.langs ?? ['python']) {
      mkdirSync(join(dir, kind, lang), { recursive: true });
      for (const f of opts.files ?? ['server.py', 'client.py']) writeFileSync(join(dir, kind, lang, f), `# ${kind} ${f}\n`);
    }
  }
  writeFileSync(join(dir, 'lab.mdx'), ['---', ...frontmatter, '---', '', '# Body', '', 'Text.', ''].join('\n'));
  return dir;
}

/** The problems loadLab throws for a folder (fails the test if it loads). */
function problemsOf(dir: string): LabProblem[] {
  try {
    loadLab(dir, root);
  } catch (err) {
    expect(err).toBeInstanceOf(LabError);
    return (err as LabError).problems;
  }
  throw new Error(`${dir} loaded, but a problem was expected`);
}

/** `lines` with line `n` (1-based within the array) replaced by `by` (several lines, or none). */
function edit(lines: string[], n: number, ...by: string[]): string[] {
  const copy = [...lines];
  copy.splice(n - 1, 1, ...by);
  return copy;
}

const file = (folder: string) => `${basename(root)}/${folder}/lab.mdx`;

describe('loadLab', () => {
  it('loads a valid lab with defaults filled in and the body after the frontmatter', () => {
    const lab = loadLab(writeLab('02-echo', VALID), root);
    expect(lab.folder).toBe('02-echo');
    expect(lab.dir).toBe(join(root, '02-echo'));
    expect(lab.meta).toEqual({
      id: 'echo',
      title: 'Echo',
      order: 2,
      summary: 'An echo lab.',
      languages: ['python'],
      ports: [{ port: 12000, protocol: 'tcp' }],
      processes: [
        { role: 'server', ready: { port: 12000, protocol: 'tcp' }, instances: 1, addable: false },
        { role: 'client', instances: 1, addable: true },
      ],
      solution: 'always',
    });
    expect(lab.body).toBe('\n# Body\n\nText.\n');
    expect([...readLabFiles(lab, 'starter', 'python').keys()]).toEqual(['client.py', 'server.py']);
    expect(readLabFiles(lab, 'solution', 'python').get('server.py')).toBe('# solution server.py\n');
    expect(readLabFiles(lab, 'solution', 'java').size).toBe(0);
  });

  it('loads a lesson without languages or processes', () => {
    const lab = loadLab(writeLab('00-intro', ['id: intro', 'title: Intro', 'order: 0', 'summary: Words only.'], { langs: [] }), root);
    expect(lab.meta.languages).toEqual([]);
    expect(lab.meta.processes).toEqual([]);
  });

  it('accepts CRLF line endings and reports lines the same way', () => {
    const dir = writeLab('02-echo', VALID);
    const text = ['---', ...edit(VALID, 3, 'order: "two"'), '---', 'body', ''].join('\r\n');
    writeFileSync(join(dir, 'lab.mdx'), text);
    expect(problemsOf(dir)).toEqual([
      { code: 'lab_schema', file: file('02-echo'), line: 4, message: 'order: Invalid input: expected number, received string' },
    ]);
  });

  it('reports an unknown key at its own line, with code lab_schema', () => {
    // "extras:" on file line 15 with a block value below it: the key's line, not the value's.
    const problems = problemsOf(writeLab('02-echo', [...VALID, 'extras:', '  note: 1']));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'lab_schema', file: file('02-echo'), line: 15 });
    expect(problems[0]!.message).toMatch(/^extras: unknown key/);
    expect(formatProblem(problems[0]!)).toMatch(new RegExp(`^${file('02-echo')}:15: extras: unknown key.*\\[lab_schema\\]$`));
  });

  it('reports an unknown key inside a process at its line', () => {
    // "    instance: 2" (a typo of instances) becomes file line 14.
    const problems = problemsOf(writeLab('02-echo', edit(VALID, 13, '    instance: 2')));
    expect(problems).toEqual([
      { code: 'lab_schema', file: file('02-echo'), line: 14, message: 'processes.1.instance: unknown key' },
    ]);
  });

  it('reports every unknown key, each at its line', () => {
    const problems = problemsOf(writeLab('02-echo', edit(VALID, 2, 'title: Echo', 'tittle: Echo', 'colour: blue')));
    expect(problems.map((p) => [p.code, p.line, p.message.split(':')[0]])).toEqual([
      ['lab_schema', 4, 'tittle'],
      ['lab_schema', 5, 'colour'],
    ]);
  });

  it('reports a wrong type (order: "two") at its line', () => {
    expect(problemsOf(writeLab('02-echo', edit(VALID, 3, 'order: two')))).toEqual([
      { code: 'lab_schema', file: file('02-echo'), line: 4, message: 'order: Invalid input: expected number, received string' },
    ]);
  });

  it('reports a bad value deep in the run plan at its line', () => {
    // instances: 99 on file line 15 (inside the second process).
    const problems = problemsOf(writeLab('02-echo', [...VALID, '    instances: 99']));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'lab_schema', line: 15 });
    expect(problems[0]!.message).toMatch(/^processes\.1\.instances: /);
  });

  it('reports a missing required key', () => {
    const problems = problemsOf(writeLab('02-echo', edit(VALID, 4)));
    expect(problems).toEqual([{ code: 'lab_schema', file: file('02-echo'), line: 2, message: 'summary: required but missing' }]);
  });

  it('reports a YAML syntax error as lab_frontmatter at its line', () => {
    // "title: Echo: the return" is a mapping inside a compact value: file line 3.
    const problems = problemsOf(writeLab('02-echo', edit(VALID, 2, 'title: Echo: the return')));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ code: 'lab_frontmatter', file: file('02-echo'), line: 3 });
  });

  it('reports a YAML error further down at its line (tab indentation)', () => {
    // The tab-indented line is file line 12; YAML reports it first (and the
    // confusion it causes on the next line after it).
    const problems = problemsOf(writeLab('02-echo', edit(VALID, 11, '\tready: { port: 12000, protocol: tcp }')));
    expect(problems[0]).toMatchObject({ code: 'lab_frontmatter', line: 12, message: 'Tabs are not allowed as indentation' });
    expect(problems.every((p) => p.code === 'lab_frontmatter')).toBe(true);
  });

  it('reports a duplicate key as lab_frontmatter at the second one', () => {
    const problems = problemsOf(writeLab('02-echo', [...VALID, 'order: 3']));
    expect(problems.map((p) => [p.code, p.line])).toEqual([['lab_frontmatter', 15]]);
  });

  it('reports a lab.mdx without frontmatter at line 1', () => {
    const dir = writeLab('02-echo', VALID);
    writeFileSync(join(dir, 'lab.mdx'), '# Echo\n\nNo frontmatter.\n');
    expect(problemsOf(dir)).toEqual([expect.objectContaining({ code: 'lab_frontmatter', line: 1 })]);
  });

  it('reports a missing lab.mdx', () => {
    const dir = writeLab('02-echo', VALID);
    unlinkSync(join(dir, 'lab.mdx'));
    expect(problemsOf(dir)).toEqual([expect.objectContaining({ code: 'lab_missing_file', file: file('02-echo'), line: 1 })]);
  });

  it('reports a missing starter file at the language that needs it', () => {
    const dir = writeLab('02-echo', VALID);
    unlinkSync(join(dir, 'starter', 'python', 'client.py'));
    expect(problemsOf(dir)).toEqual([
      {
        code: 'lab_missing_file',
        file: file('02-echo'),
        line: 6,
        message: `python is offered but ${basename(root)}/02-echo/starter/python/client.py is missing`,
      },
    ]);
  });

  it('reports a missing solution file of a second language at that language\'s line', () => {
    const langs = edit(VALID, 5, 'languages:', '  - python', '  - java');
    const dir = writeLab('02-echo', langs, { langs: ['python'] });
    mkdirSync(join(dir, 'starter', 'java'), { recursive: true });
    writeFileSync(join(dir, 'starter', 'java', 'Server.java'), '');
    writeFileSync(join(dir, 'starter', 'java', 'Client.java'), '');
    const problems = problemsOf(dir);
    // "  - java" is file line 8; both solution files are missing.
    expect(problems.map((p) => [p.code, p.line, p.message.split(' is missing')[0]!.split('/').slice(-3).join('/')])).toEqual([
      ['lab_missing_file', 8, 'solution/java/Server.java'],
      ['lab_missing_file', 8, 'solution/java/Client.java'],
    ]);
  });

  it('reports a folder name that does not match the id, at the id line', () => {
    expect(problemsOf(writeLab('02-echo-server', VALID))).toEqual([
      { code: 'lab_folder', file: file('02-echo-server'), line: 2, message: 'id "echo" does not match the folder name "02-echo-server"' },
    ]);
  });

  it('reports a folder prefix that does not match the order, at the order line', () => {
    expect(problemsOf(writeLab('03-echo', VALID))).toEqual([
      { code: 'lab_folder', file: file('03-echo'), line: 4, message: 'order 2 does not match the folder prefix "03"' },
    ]);
  });

  it('reports a folder not named NN-<id>', () => {
    expect(problemsOf(writeLab('echo', VALID))).toEqual([expect.objectContaining({ code: 'lab_folder', file: file('echo'), line: 1 })]);
  });

  it('fails a lab that offers languages but not python, at the languages line', () => {
    const langs = edit(VALID, 5, 'languages:', '  - javascript');
    const problems = problemsOf(writeLab('02-echo', langs, { langs: ['javascript'], files: ['server.js', 'client.js'] }));
    expect(problems).toEqual([{ code: 'lab_schema', file: file('02-echo'), line: 6, message: 'languages: every lab offers python' }]);
  });

  it('fails a lab with processes but no language', () => {
    const problems = problemsOf(writeLab('02-echo', edit(VALID, 5)));
    expect(problems).toEqual([{ code: 'lab_schema', file: file('02-echo'), line: 2, message: 'languages: a lab with processes needs at least one language' }]);
  });

  it('fails a role listed twice, at the second role', () => {
    const problems = problemsOf(writeLab('02-echo', edit(VALID, 12, '  - role: server')));
    expect(problems).toEqual([{ code: 'lab_schema', file: file('02-echo'), line: 13, message: 'processes.1.role: role "server" is listed twice' }]);
  });

  it('fails a ready port that the lab does not list, at the ready line', () => {
    const problems = problemsOf(writeLab('02-echo', edit(VALID, 11, '    ready: { port: 12001, protocol: tcp }')));
    expect(problems).toEqual([{ code: 'lab_schema', file: file('02-echo'), line: 12, message: 'processes.0.ready: port 12001/tcp is not listed in ports' }]);
  });
});

describe('loadLabs', () => {
  it('loads a folder of labs in course order', () => {
    writeLab('02-echo', VALID);
    writeLab('00-intro', ['id: intro', 'title: Intro', 'order: 0', 'summary: Words only.'], { langs: [] });
    writeFileSync(join(root, 'README.md'), 'not a lab\n');
    const labs = loadLabs(root);
    expect(labs.map((l) => l.folder)).toEqual(['00-intro', '02-echo']);
    expect(findLab(labs, 'echo')?.folder).toBe('02-echo');
    expect(findLab(labs, '00-intro')?.meta.id).toBe('intro');
    expect(findLab(labs, 'nope')).toBeUndefined();
  });

  it('lists the problems of every broken lab at once', () => {
    writeLab('02-echo', edit(VALID, 3, 'order: two'));
    writeLab('03-other', [...edit(VALID, 1, 'id: other'), 'bogus: 1'].map((l) => (l === 'order: 2' ? 'order: 3' : l)));
    const err = (() => {
      try {
        loadLabs(root);
      } catch (e) {
        return e as LabError;
      }
      throw new Error('expected a LabError');
    })();
    expect(err).toBeInstanceOf(LabError);
    expect(err.problems.map((p) => [p.file, p.line, p.code])).toEqual([
      [file('02-echo'), 4, 'lab_schema'],
      [file('03-other'), 15, 'lab_schema'],
    ]);
    expect(err.message.split('\n')).toEqual(err.problems.map(formatProblem));
  });

  it('reports two labs with the same order at the second one\'s order line', () => {
    writeLab('02-echo', VALID);
    writeLab('02-other', edit(VALID, 1, 'id: other'));
    expect(() => loadLabs(root)).toThrow(LabError);
    try {
      loadLabs(root);
    } catch (e) {
      expect((e as LabError).problems).toEqual([
        { code: 'lab_folder', file: file('02-other'), line: 4, message: 'order 2 is also used by 02-echo' },
      ]);
    }
  });

  it('loads the real labs/ folder, 00 and 02 in order', () => {
    const labs = loadLabs();
    const folders = labs.map((l) => l.folder);
    expect(folders).toContain('00-sockets-and-layers');
    expect(folders).toContain('02-tcp-echo');
    expect(folders.indexOf('00-sockets-and-layers')).toBeLessThan(folders.indexOf('02-tcp-echo'));
    expect(labs.map((l) => l.meta.order)).toEqual([...labs.map((l) => l.meta.order)].sort((a, b) => a - b));

    const intro = findLab(labs, 'sockets-and-layers')!;
    expect(intro.meta).toMatchObject({ order: 0, languages: [], processes: [] });

    const echo = findLab(labs, 'tcp-echo')!;
    expect(echo.meta).toMatchObject({
      order: 2,
      languages: expect.arrayContaining(['python']),
      ports: [{ port: 12000, protocol: 'tcp' }],
      processes: [
        { role: 'server', ready: { port: 12000, protocol: 'tcp' } },
        { role: 'client', instances: 1, addable: true },
      ],
    });
    expect([...readLabFiles(echo, 'starter', 'python').keys()]).toEqual(['client.py', 'server.py']);
    expect([...readLabFiles(echo, 'solution', 'python').keys()]).toEqual(['client.py', 'server.py']);
  });
});
