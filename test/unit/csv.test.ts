import { describe, expect, it } from 'vitest';
import { toCsv } from '../../src/domain/csv';

describe('the CSV writer', () => {
  it('defuses creator-controlled text a spreadsheet would run as a formula', () => {
    const csv = toCsv(
      ['title', 'amount'],
      [
        { title: '=HYPERLINK("https://evil.example","Click")', amount: 1299 },
        { title: '+cmd|calc', amount: -1299 },
        { title: '-2+3', amount: 0 },
        { title: '@SUM(A1)', amount: 5 },
        { title: '\tTabbed', amount: 5 },
      ],
    );
    expect(csv.split('\r\n')).toEqual([
      'title,amount',
      `"'=HYPERLINK(""https://evil.example"",""Click"")",1299`,
      "'+cmd|calc,-1299",
      "'-2+3,0",
      "'@SUM(A1),5",
      "'\tTabbed,5",
      '',
    ]);
  });

  it('quotes commas, quotes and line breaks (RFC 4180) and leaves plain text and numbers alone', () => {
    expect(
      toCsv(
        ['a', 'b', 'c'],
        [
          { a: 'x, y', b: 'say "hi"', c: 'two\nlines' },
          { a: 'plain', b: 3.5, c: null },
        ],
      ),
    ).toBe('a,b,c\r\n"x, y","say ""hi""","two\nlines"\r\nplain,3.5,\r\n');
  });
});
