/**
 * A class's grades as files: CSV and JSON with one row per student and
 * check (for spreadsheets and tools), and an HTML summary for the
 * instructor: each check's pass rate, the failure messages the class hits
 * most, and each student's total.
 */
import type { ClassResult } from './class-grade.ts';

/** One student and check, flat. */
export interface ClassRow {
  student: string;
  lang: string;
  check: string;
  name: string;
  role: string;
  status: string;
  points: number;
  max_points: number;
  message: string;
}

/** The rows of the report: students in order, checks in the lab's order. */
export function classRows(result: ClassResult): ClassRow[] {
  return result.students.flatMap((s) =>
    result.checks.map((c) => {
      const cell = s.cells.find((x) => x.id === c.id)!;
      return { student: s.student, lang: s.lang ?? '', check: c.id, name: c.name, role: c.role, status: cell.status, points: cell.points, max_points: c.points, message: cell.message ?? '' };
    }),
  );
}

const CSV_COLUMNS: (keyof ClassRow)[] = ['student', 'lang', 'check', 'name', 'role', 'status', 'points', 'max_points', 'message'];

/** RFC 4180 CSV; a cell that starts like a formula is quoted with a leading ' so a spreadsheet shows it as text. */
export function classCsv(result: ClassResult): string {
  const cell = (v: string | number) => {
    let s = String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) || s !== String(v) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [CSV_COLUMNS.join(','), ...classRows(result).map((r) => CSV_COLUMNS.map((k) => cell(r[k])).join(','))].join('\r\n') + '\r\n';
}

/** The whole result (students with their cells) and the flat rows, as JSON. */
export function classJson(result: ClassResult): string {
  return JSON.stringify({ ...result, rows: classRows(result) }, null, 2) + '\n';
}

/** The students whose grade ended: a stopped class's others have no points to count. */
const gradedStudents = (result: ClassResult) => result.students.filter((s) => !s.notGraded);

/** Per check, over the students graded: how many passed, and its failure messages by how often they came. */
export function checkSummaries(result: ClassResult) {
  const students = gradedStudents(result);
  return result.checks.map((c) => {
    const cells = students.map((s) => s.cells.find((x) => x.id === c.id)!);
    const failures = new Map<string, number>();
    for (const cell of cells) if (cell.status === 'failed' && cell.message) failures.set(cell.message, (failures.get(cell.message) ?? 0) + 1);
    return {
      check: c,
      passed: cells.filter((x) => x.status === 'passed').length,
      failed: cells.filter((x) => x.status === 'failed').length,
      skipped: cells.filter((x) => x.status === 'skipped').length,
      graded: cells.filter((x) => x.status !== 'missing').length,
      messages: [...failures].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([message, count]) => ({ message, count })),
    };
  });
}

const html = (s: string | number) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const pct = (n: number, of: number) => (of === 0 ? 0 : Math.round((100 * n) / of));

/** A self-contained page (no scripts, no outside files); every student-made text is escaped. */
export function classHtml(result: ClassResult): string {
  const summaries = checkSummaries(result);
  const graded = gradedStudents(result);
  const n = graded.length;
  const mean = n ? graded.reduce((a, s) => a + s.points, 0) / n : 0;
  const all = result.students.length;
  const checkRows = summaries
    .map((s) => {
      const rate = pct(s.passed, n);
      const top = s.messages.slice(0, 3).map((m) => `<li><span class="count">${m.count}×</span> ${html(m.message)}</li>`).join('');
      return `<tr><td><b>${html(s.check.name)}</b><br><code>${html(s.check.id)}</code> · ${html(s.check.role)} · ${html(s.check.points)} pt</td>
<td class="rate"><div class="bar"><div style="width:${rate}%"></div></div>${rate}% <small>(${s.passed}/${n})</small></td>
<td>${top ? `<ol>${top}</ol>` : s.failed ? '' : '<span class="none">no failures</span>'}${s.skipped ? `<p class="skipped">${s.skipped} skipped: a check it depends on failed</p>` : ''}</td></tr>`;
    })
    .join('\n');
  const mark = { passed: '✓', failed: '✗', skipped: '–', missing: '·', 'not-graded': '?' } as const;
  const studentRows = result.students
    .map(
      (s) => `<tr><td>${html(s.student)}</td><td>${html(s.lang ?? '')}</td><td class="num"><b>${html(s.points)}</b> / ${result.maxPoints}</td>
<td class="cells">${s.cells.map((c) => `<span class="${c.status}" title="${html(`${c.id}: ${c.status}${c.message ? ` — ${c.message}` : ''}`)}">${mark[c.status]}</span>`).join('')}</td>
<td>${s.error ? `<span class="error">${html(s.error)}</span>` : s.notGraded ? '<span class="not-graded">not graded: the grade was stopped</span>' : ''}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${html(result.title)}: class report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1b1b1f}
h1{margin-bottom:.2rem}.meta{color:#555;margin-top:0}
table{border-collapse:collapse;width:100%;margin:1rem 0 2rem}th,td{border-bottom:1px solid #ddd;padding:.45rem .6rem;text-align:left;vertical-align:top}
th{background:#f4f4f7}code{font-size:.85em;color:#555}.num{white-space:nowrap}
.rate{white-space:nowrap;width:14rem}.bar{display:inline-block;width:7rem;height:.7rem;background:#f1d4d4;margin-right:.5rem;vertical-align:middle}
.bar div{height:100%;background:#2f9e44}ol{margin:0;padding-left:1.2rem}.count{font-weight:600;color:#b42318}.none{color:#2f9e44}
.cells span{display:inline-block;width:1.3em;text-align:center;font-weight:700}.passed{color:#2f9e44}.failed{color:#b42318}.skipped,.missing,.not-graded{color:#999}
.error{color:#b42318}td p.skipped{margin:.2rem 0 0}.stopped{background:#fff4e5;border-left:4px solid #f08c00;padding:.6rem .9rem}
</style></head><body>
<h1>${html(result.title)}: class report</h1>
${result.stopped ? `<p class="stopped"><b>Stopped before every submission was graded:</b> ${n} of ${all} graded. The other ${all - n} are listed as not graded and count in no pass rate or mean; run the grade again to grade them.</p>\n` : ''}<p class="meta">${result.stopped ? `${n} of ${all}` : n} submission${all === 1 ? '' : 's'}${result.stopped ? ' graded' : ''} · mean ${mean.toFixed(1)} / ${result.maxPoints} points · graded ${html(result.date.replace(/^(\d{4}-\d\d-\d\d)T(\d\d:\d\d).*$/, '$1 $2 UTC'))} in ${(result.durationMs / 1000).toFixed(1)} s, up to ${result.concurrency} at a time</p>
<h2>Checks</h2>
<table><thead><tr><th>Check</th><th>Pass rate</th><th>Most common failures</th></tr></thead><tbody>
${checkRows}
</tbody></table>
<h2>Students</h2>
<p class="meta">One mark per check, in the order above: ✓ passed, ✗ failed, – skipped (an earlier check failed), · not graded (program missing)${result.stopped ? ', ? not graded (the grade was stopped)' : ''}.</p>
<table><thead><tr><th>Student</th><th>Language</th><th>Points</th><th>Checks</th><th>Note</th></tr></thead><tbody>
${studentRows}
</tbody></table>
</body></html>
`;
}
