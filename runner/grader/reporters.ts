/**
 * How a grade is shown: `pretty` for a person at a terminal (progress as
 * checks run), `json` for tools, `junit` for CI (GitHub Actions, Classroom).
 */
import type { CheckDef } from './api.ts';
import type { CheckResult, GradeReport } from './engine.ts';
import type { CheckWire } from '../../protocol/messages.ts';
import { graderSay, roleName, type GraderSay } from './messages.ts';
import { COLOURS, UNSAFE, escapeChar } from './transcript.ts';

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
const ENGLISH = graderSay('en');
/** Terminal columns of `text`: a Hangul syllable (or another wide character) takes two. */
const columns = (text: string) => [...text].reduce((n, c) => n + (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60]/.test(c) ? 2 : 1), 0);
const padColumns = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - columns(text)));

/** The line printed when a check starts (pretty reporter, TTY only), in the words of `say`. */
export function prettyStart(check: CheckDef, say: GraderSay = ENGLISH): string {
  return dim(`  … ${roleName(say, check.role)}: ${check.name}`);
}

/** A finished check, with its story when it failed, in the words of `say` (the program's bytes as they were). */
export function prettyResult(r: CheckResult, say: GraderSay = ENGLISH): string {
  const time = dim(`(${say('time.secs', { n: (r.durationMs / 1000).toFixed(1) })})`);
  const role = roleName(say, r.role);
  if (r.status === 'passed') return `  ${green('✓')} ${role}: ${r.name} ${time}`;
  if (r.status === 'skipped') return `  ${dim('-')} ${role}: ${r.name} ${dim(inert(r.message ?? say('report.skipped')))}`;
  const lines = [`  ${red('✗')} ${role}: ${bold(r.name)} ${time}`, `      ${inert(r.message ?? say('report.failed'))}`];
  if (r.expected !== undefined) lines.push(`      ${say('report.expected')} ${inert(r.expected)}`);
  if (r.received !== undefined) lines.push(`      ${say('report.received')} ${inert(r.received)}`);
  if (r.hint) lines.push(`      ${bold(say('report.hint'))} ${inert(r.hint)}`);
  const shown = r.transcript.slice(-14);
  if (shown.length) {
    lines.push(`      ${dim(say('report.whatHappened'))}`);
    const width = Math.max(columns(say('report.byGrader')), columns(say('report.byProgram')));
    if (r.transcript.length > shown.length) lines.push(dim(`        ${say('report.earlierSteps', { n: r.transcript.length - shown.length })}`));
    for (const e of shown) {
      const who = padColumns(e.who === 'grader' ? say('report.byGrader') : e.who === 'program' ? say('report.byProgram') : '', width);
      lines.push(`        ${dim(`${String(e.at).padStart(5)} ms`)} ${who} ${dim(`[${inert(e.channel)}]`)} ${inert(e.text)}`);
    }
  }
  if (r.wire) lines.push(...packetLines(r.wire, say));
  for (const o of r.outputs) {
    if (!o.text.trim()) continue;
    const tail = o.text.trimEnd().split('\n').slice(-8);
    lines.push(`      ${dim(say('report.printed', { program: o.name }))}`);
    for (const l of tail) lines.push(`        | ${inert(l)}`);
  }
  return lines.join('\n');
}

/** Packets shown under a failed check: the last ones, where a failure's story ends (a reset, a missing FIN). */
const PACKETS_SHOWN = 24;

/** A check's packets, one line each: time, ends, TCP flags and numbers, data length and first bytes. */
function packetLines(wire: CheckWire, say: GraderSay): string[] {
  const shown = wire.packets.slice(-PACKETS_SHOWN);
  const lines = [`      ${dim(say('report.packets', { n: wire.packets.length + wire.dropped }))}`];
  const notShown = wire.packets.length - shown.length + wire.dropped;
  if (notShown) lines.push(dim(`        ${say('report.packetsNotShown', { n: notShown })}`));
  const end = (e: CheckWire['packets'][number]['src']) => inert(`${e.owner ?? e.addr} :${e.port}`);
  for (const p of shown) {
    const tcp = p.flags ? ` ${p.flags.join('+')} seq ${p.seq} ack ${p.ack} win ${p.win}` : ' UDP';
    const head = p.head ? ` ${inert(JSON.stringify(Buffer.from(p.head, 'base64').toString('latin1').slice(0, 24)))}` : '';
    const line = `${end(p.src)} → ${end(p.dst)}${tcp} len ${p.len}${head}`;
    lines.push(`        ${dim(`${p.at.toFixed(1).padStart(8)} ms`)} ${p.flags?.includes('RST') ? red(line) : line}`);
  }
  return lines;
}

/** The closing summary; its last line is the plain "N passed, N failed" form CI tools read, in English whatever the language. */
export function prettySummary(report: GradeReport, say: GraderSay = ENGLISH): string {
  const failed = report.failed === 1 ? say('report.oneFailed') : say('report.manyFailed', { n: report.failed });
  const verdict = report.failed === 0 ? green(say('report.allPassed')) : red(failed);
  const roles = report.roles.map((r) => roleName(say, r)).join(' + ') || say('report.noRoles');
  return [
    '',
    say('report.summary', { lab: report.lab, lang: report.lang, roles, verdict, s: (report.durationMs / 1000).toFixed(1) }),
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

/** JUnit XML: one testsuite per role, one testcase per check; its human words (a failure's story) in the words of `say`. */
export function junitReport(report: GradeReport, say: GraderSay = ENGLISH): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites name="socklab ${xml(report.lab)}" tests="${report.results.length}" failures="${report.failed}" skipped="${report.skipped}" time="${(report.durationMs / 1000).toFixed(3)}">`);
  for (const role of report.roles) {
    const rs = report.results.filter((r) => r.role === role);
    const time = rs.reduce((a, r) => a + r.durationMs, 0) / 1000;
    out.push(`  <testsuite name="${xml(`${report.lab} ${role} (${report.lang})`)}" tests="${rs.length}" failures="${rs.filter((r) => r.status === 'failed').length}" skipped="${rs.filter((r) => r.status === 'skipped').length}" time="${time.toFixed(3)}">`);
    for (const r of rs) {
      out.push(`    <testcase classname="${xml(`${report.lab}.${role}`)}" name="${xml(r.name)}" time="${(r.durationMs / 1000).toFixed(3)}">`);
      if (r.status === 'failed') {
        const plain = prettyResult(r, say).replace(COLOURS, '');
        out.push(`      <failure message="${xml(r.message ?? say('report.failed'))}">${xml(plain)}</failure>`);
      } else if (r.status === 'skipped') {
        out.push(`      <skipped message="${xml(r.message ?? say('report.skipped'))}"/>`);
      }
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
