/**
 * Draws the exchanges in lessons. A fenced block with the language
 * `sequence` becomes an SVG sequence diagram at build time (no JavaScript
 * on the page), so instructors write who sends what to whom as text and
 * students see a drawing:
 *
 *     ```sequence
 *     client, server                  <- the participants, left to right
 *     server: listen()                <- a note on a lifeline
 *     client -> server: "hello\n"     <- a message (its label above the arrow)
 *     server --> client: ACK          <- dashed: sent by the OS, not the program
 *     client -x server: "lost"        <- lost on the way (UDP)
 *     ```
 *
 * A line starting with `#` is a comment. The block's text stays in the
 * figure as its accessible description, in the lesson's language (lab.ko.mdx
 * is Korean; protocol/i18n has the words).
 */
import { localeOf, t, type Locale } from '../../protocol/i18n/catalog.ts';

interface MdNode {
  type: string;
  lang?: string | null;
  value?: string;
  children?: MdNode[];
  data?: Record<string, unknown>;
}
interface HastElement {
  type: 'element';
  tagName: string;
  properties: Record<string, string | number>;
  children: (HastElement | { type: 'text'; value: string })[];
}

type Step =
  | { kind: 'message'; from: number; to: number; label: string; style: 'solid' | 'dashed' | 'lost' }
  | { kind: 'note'; at: number; text: string };

const CHAR_W = 7.3; // 12px monospace

/** Hangul, CJK and full-width forms: drawn about 1.6x as wide as a Latin letter, counted as two. */
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u;

/** The drawn width of a label in px, a wide character counting as two narrow ones. */
export function textWidth(s: string): number {
  let cells = 0;
  for (const ch of s) cells += WIDE.test(ch) ? 2 : 1;
  return cells * CHAR_W;
}
const ROW_H = 30;
const HEAD_H = 44;
const MIN_GAP = 220;

const el = (tagName: string, properties: HastElement['properties'], ...children: HastElement['children']): HastElement => ({ type: 'element', tagName, properties, children });
const text = (value: string) => ({ type: 'text' as const, value });

/** Parses a `sequence` block; throws with the line number on a mistake. */
export function parseSequence(source: string): { participants: string[]; steps: Step[] } {
  const lines = source.split('\n').map((l, i) => ({ n: i + 1, t: l.trim() })).filter((l) => l.t && !l.t.startsWith('#'));
  if (!lines.length) throw new Error('sequence: empty diagram');
  const participants = lines[0]!.t.split(',').map((p) => p.trim()).filter(Boolean);
  if (participants.length < 2 || participants.some((p) => !/^[\w .()-]+$/.test(p))) {
    throw new Error(`sequence line ${lines[0]!.n}: the first line names the participants, e.g. "client, server"`);
  }
  const index = (name: string, n: number) => {
    const i = participants.indexOf(name.trim());
    if (i < 0) throw new Error(`sequence line ${n}: "${name.trim()}" is not one of ${participants.join(', ')}`);
    return i;
  };
  const steps: Step[] = [];
  for (const { n, t } of lines.slice(1)) {
    const msg = /^(.+?)\s*(-->|->|-x)\s*(.+?)\s*:\s*(.*)$/.exec(t);
    if (msg) {
      steps.push({ kind: 'message', from: index(msg[1]!, n), to: index(msg[3]!, n), label: msg[4]!, style: msg[2] === '-->' ? 'dashed' : msg[2] === '-x' ? 'lost' : 'solid' });
      continue;
    }
    const note = /^([^:]+?)\s*:\s*(.*)$/.exec(t);
    if (note && participants.includes(note[1]!.trim())) {
      steps.push({ kind: 'note', at: index(note[1]!, n), text: note[2]! });
      continue;
    }
    throw new Error(`sequence line ${n}: expected "a -> b: label" or "a: note", got "${t}"`);
  }
  return { participants, steps };
}

/** The diagram as a hast <svg> element, its screen-reader text in `locale`. */
export function renderSequence(source: string, locale: Locale = 'en'): HastElement {
  const { participants, steps } = parseSequence(source);
  const last = participants.length - 1;
  // Notes sit outside the outer lifelines and to the right of inner ones.
  const noteW = (side: 'left' | 'right') =>
    Math.max(0, ...steps.filter((s) => s.kind === 'note' && (side === 'left' ? s.at === 0 : s.at === last)).map((s) => textWidth((s as { text: string }).text) + 16));
  let gap = MIN_GAP;
  for (const s of steps) {
    if (s.kind === 'message') gap = Math.max(gap, (textWidth(s.label) + 40) / Math.max(1, Math.abs(s.to - s.from)));
    if (s.kind === 'note' && s.at > 0 && s.at < last) gap = Math.max(gap, textWidth(s.text) + 40);
  }
  const left = Math.max(70, noteW('left') + 10);
  const x = (i: number) => left + i * gap;
  const width = Math.ceil(x(last) + Math.max(70, noteW('right') + 10));
  const height = HEAD_H + steps.length * ROW_H + 24;
  const parts: HastElement[] = [];
  const defs = el(
    'defs',
    {},
    el('marker', { id: 'seq-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' }, el('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: 'currentColor' })),
  );
  participants.forEach((p, i) => {
    const w = Math.max(80, p.length * 8.5 + 24);
    parts.push(el('rect', { x: x(i) - w / 2, y: 4, width: w, height: 28, rx: 6, class: 'seq-actor' }));
    parts.push(el('text', { x: x(i), y: 23, 'text-anchor': 'middle', class: 'seq-actor-name' }, text(p)));
    parts.push(el('line', { x1: x(i), y1: 32, x2: x(i), y2: height - 6, class: 'seq-lifeline' }));
  });
  steps.forEach((s, row) => {
    const y = HEAD_H + row * ROW_H + 18;
    if (s.kind === 'note') {
      const anchor = s.at === 0 && last > 0 ? 'end' : 'start';
      parts.push(el('text', { x: anchor === 'end' ? x(s.at) - 8 : x(s.at) + 8, y: y + 4, 'text-anchor': anchor, class: 'seq-note' }, text(s.text)));
      return;
    }
    const x1 = x(s.from);
    const x2 = x(s.to);
    const dir = Math.sign(x2 - x1) || 1;
    const end = s.style === 'lost' ? x1 + (x2 - x1) * 0.6 : x2 - dir * 2;
    parts.push(el('text', { x: (x1 + (s.style === 'lost' ? end : x2)) / 2, y: y - 5, 'text-anchor': 'middle', class: 'seq-label' }, text(s.label)));
    parts.push(el('line', { x1: x1 + dir * 2, y1: y, x2: end, y2: y, class: `seq-msg seq-${s.style}`, ...(s.style === 'lost' ? {} : { 'marker-end': 'url(#seq-arrow)' }) }));
    if (s.style === 'lost') parts.push(el('text', { x: end, y: y + 5, 'text-anchor': 'middle', class: 'seq-lost' }, text('✕')));
  });
  const summary = steps
    .map((s) =>
      s.kind === 'note'
        ? `${participants[s.at]}: ${s.text}`
        : t(locale, s.style === 'lost' ? 'diagram.lost' : 'diagram.message', { from: participants[s.from]!, to: participants[s.to]!, label: s.label }),
    )
    .join('; ');
  const everyone = participants.reduce((a, b) => t(locale, 'diagram.and', { a, b }));
  return el(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': t(locale, 'diagram.label', { steps: summary }), class: 'seq' },
    el('title', {}, text(t(locale, 'diagram.title', { participants: everyone }))),
    defs,
    ...parts,
  );
}

/** The remark plugin: replaces ```sequence blocks with their drawing. */
export default function remarkSequence() {
  // Typed loosely so it fits unified's Transformer without its types as a dependency.
  return (root: object, vfile: object) => {
    const tree = root as MdNode;
    const file = vfile as { path?: string };
    // lab.ko.mdx is Korean; lab.mdx English.
    const lessonLocale = localeOf(/\.([a-z]{2})\.mdx?$/.exec(file.path ?? '')?.[1]);
    const walk = (node: MdNode) => {
      for (const child of node.children ?? []) {
        if (child.type === 'code' && child.lang === 'sequence') {
          let svg: HastElement;
          try {
            svg = renderSequence(child.value ?? '', lessonLocale);
          } catch (err) {
            throw new Error(`${file.path ?? 'a lesson'}: ${(err as Error).message}`);
          }
          child.type = 'sequenceDiagram';
          child.data = { hName: 'figure', hProperties: { className: ['seq-figure'] }, hChildren: [svg] };
        } else walk(child);
      }
    };
    walk(tree);
  };
}
