/**
 * How a grade is shown: `pretty` for a person at a terminal (progress as
 * checks run), `json` for tools, `junit` for CI (GitHub Actions, Classroom).
 */
import type { CheckDef } from './api.ts';
import type { CheckResult, GradeReport } from './engine.ts';
import { UNSAFE, escapeChar } from './transcript.ts';

/**
 * Text that came from a program (or passed through one) made inert: every
 * control character a terminal would obey (ESC and so colours, cursor moves,
 * OSC title and clipboard writes; CR redrawing a line; C1 controls) is
 * printed as an escape instead. Tabs stay.
 */
export const inert = (text: string) => text.replace(UNSAFE, (c) => (c === '\t' ? c : escapeChar(c)));

export type ReporterName = 'pretty' | 'json' | 'junit';

const useColor = () => Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
const paint = (code: number, text: string) => (useColor() ? `\x1b[${code}m${text}\x1b[0m` : text);
const green = (t: string) => paint(32, t);
const red = (t: string) => paint(31, t);
const dim = (t: string) => paint(2, t);
const bold = (t: string) => paint(1, t);

/** The line printed when a check starts (pretty reporter, TTY only). */
export function prettyStart(check: CheckDef): string {
  return dim(`  … ${check.role}: ${check.name}`);
}

/** A finished check, with its story when it failed. */
export function prettyResult(r: CheckResult): string {
  const time = dim(`(${(r.durationMs / 1000).toFixed(1)} s)`);
  if (r.status === 'passed') return `  ${green('✓')} ${r.role}: ${r.name} ${time}`;
  if (r.status === 'skipped') return `  ${dim('-')} ${r.role}: ${r.name} ${dim(inert(r.message ?? 'skipped'))}`;
  const lines = [`  ${red('✗')} ${r.role}: ${bold(r.name)} ${time}`, `      ${inert(r.message ?? 'failed')}`];
  if (r.expected !== undefined) lines.push(`      expected: ${inert(r.expected)}`);
  if (r.received !== undefined) lines.push(`      received: ${inert(r.received)}`);
  if (r.hint) lines.push(`      ${bold('hint:')} ${inert(r.hint)}`);
  const shown = r.transcript.slice(-14);
  if (shown.length) {
    lines.push(`      ${dim('what happened:')}`);
    if (r.transcript.length > shown.length) lines.push(dim(`        … ${r.transcript.length - shown.length} earlier steps`));
    for (const e of shown) {
      const who = e.who === 'grader' ? 'grader ' : e.who === 'program' ? 'program' : '       ';
      lines.push(`        ${dim(`${String(e.at).padStart(5)} ms`)} ${who} ${dim(`[${inert(e.channel)}]`)} ${inert(e.text)}`);
    }
  }
  for (const o of r.outputs) {
    if (!o.text.trim()) continue;
    const tail = o.text.trimEnd().split('\n').slice(-8);
    lines.push(`      ${dim(`${o.name} printed:`)}`);
    for (const l of tail) lines.push(`        | ${inert(l)}`);
  }
  return lines.join('\n');
}

/** The closing summary; its last line is the plain "N passed, N failed" form CI tools read. */
export function prettySummary(report: GradeReport): string {
  const verdict = report.failed === 0 ? green('all checks passed') : red(`${report.failed} check${report.failed === 1 ? '' : 's'} failed`);
  return [
    '',
    `${report.lab} (${report.lang}, ${report.roles.join(' + ') || 'no roles'}): ${verdict} in ${(report.durationMs / 1000).toFixed(1)} s`,
    `${report.passed} passed, ${report.failed} failed${report.skipped ? `, ${report.skipped} skipped` : ''}`,
  ].join('\n');
}

export function jsonReport(report: GradeReport): string {
  return JSON.stringify(report, null, 2);
}

const xml = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // eslint-disable-next-line no-control-regex
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '');

/** JUnit XML: one testsuite per role, one testcase per check. */
export function junitReport(report: GradeReport): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="socklab ${xml(report.lab)}" tests="${report.results.length}" failures="${report.failed}" skipped="${report.skipped}" time="${(report.durationMs / 1000).toFixed(3)}">`);
  for (const role of report.roles) {
    const rs = report.results.filter((r) => r.role === role);
    const time = rs.reduce((a, r) => a + r.durationMs, 0) / 1000;
    out.push(`  <testsuite name="${xml(`${report.lab} ${role} (${report.lang})`)}" tests="${rs.length}" failures="${rs.filter((r) => r.status === 'failed').length}" skipped="${rs.filter((r) => r.status === 'skipped').length}" time="${time.toFixed(3)}">`);
    for (const r of rs) {
      out.push(`    <testcase classname="${xml(`${report.lab}.${role}`)}" name="${xml(r.name)}" time="${(r.durationMs / 1000).toFixed(3)}">`);
      if (r.status === 'failed') {
        const plain = prettyResult(r).replace(/\x1b\[\d+m/g, '');
        out.push(`      <failure message="${xml(r.message ?? 'failed')}">${xml(plain)}</failure>`);
      } else if (r.status === 'skipped') {
        out.push(`      <skipped message="${xml(r.message ?? 'skipped')}"/>`);
      }
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
