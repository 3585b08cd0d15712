import { describe, expect, it } from 'vitest';
import remarkSequence, { parseSequence, renderSequence, textWidth } from './remark-sequence.ts';

describe('sequence diagrams', () => {
  it('parses participants, messages of each style, and notes', () => {
    const { participants, steps } = parseSequence('client, server\n# a comment\nserver: listen()\nclient -> server: "hi\\n"\nserver --> client: ACK\nclient -x server: lost\n');
    expect(participants).toEqual(['client', 'server']);
    expect(steps).toEqual([
      { kind: 'note', at: 1, text: 'listen()' },
      { kind: 'message', from: 0, to: 1, label: '"hi\\n"', style: 'solid' },
      { kind: 'message', from: 1, to: 0, label: 'ACK', style: 'dashed' },
      { kind: 'message', from: 0, to: 1, label: 'lost', style: 'lost' },
    ]);
  });

  it('names the line of a mistake', () => {
    expect(() => parseSequence('client, server\nclient -> sever: hi')).toThrow(/line 2: "sever" is not one of client, server/);
    expect(() => parseSequence('client, server\n\nwhat is this')).toThrow(/line 3: expected/);
    expect(() => parseSequence('client')).toThrow(/line 1: the first line names the participants/);
  });

  it('draws an accessible svg with one arrow per delivered message', () => {
    const svg = renderSequence('client, server\nclient -> server: hello\nserver -> client: HELLO\nclient -x server: gone');
    expect(svg.tagName).toBe('svg');
    expect(svg.properties.role).toBe('img');
    expect(String(svg.properties['aria-label'])).toContain('client to server: gone (lost)');
    const lines = JSON.stringify(svg).match(/"marker-end":"url\(#seq-arrow\)"/g) ?? [];
    expect(lines).toHaveLength(2);
  });

  it('replaces only ```sequence code blocks in a markdown tree, and reports the file', () => {
    const tree = { type: 'root', children: [{ type: 'code', lang: 'sequence', value: 'a, b\na -> b: x' }, { type: 'code', lang: 'python', value: 'print(1)' }] };
    remarkSequence()(tree, { path: 'lab.mdx' });
    expect(tree.children[0]).toMatchObject({ type: 'sequenceDiagram', data: { hName: 'figure' } });
    expect(tree.children[1]).toMatchObject({ type: 'code', lang: 'python' });
    const bad = { type: 'root', children: [{ type: 'code', lang: 'sequence', value: 'a, b\na -> c: x' }] };
    expect(() => remarkSequence()(bad, { path: 'labs/09-x/lab.mdx' })).toThrow(/labs\/09-x\/lab.mdx: sequence line 2/);
  });

  it('counts a Hangul syllable as two characters wide, so Korean labels fit', () => {
    expect(textWidth('연결')).toBe(textWidth('abcd'));
    const width = (label: string) => Number(renderSequence(`client, server\nclient -> server: ${label}`).properties.width);
    const latin = width('x'.repeat(60));
    const hangul = width('가'.repeat(60));
    // 60 syllables drawn at ~1.6x need more than 60 Latin letters' room, and the gap follows the label.
    expect(hangul).toBeGreaterThan(latin * 1.5);
  });

  it('describes a Korean lesson\'s diagram in Korean', () => {
    const tree = { type: 'root', children: [{ type: 'code', lang: 'sequence', value: 'client, server\nclient -x server: "hi"' }] };
    remarkSequence()(tree, { path: '/x/labs/01-udp-echo/lab.ko.mdx' });
    const svg = JSON.stringify(tree.children[0]);
    expect(svg).toContain('시퀀스 다이어그램: client에서 server(으)로: \\"hi\\" (유실)');
    expect(svg).not.toContain('Sequence diagram');
  });
});
