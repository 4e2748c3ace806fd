import { describe, expect, it } from 'vitest';
import { CsvError, parseCsv } from '../../../src/core/data/csv';

const fields = (text: string) => parseCsv(text).map((r) => r.fields);

describe('parseCsv (RFC 4180)', () => {
  it('splits plain fields and records, LF or CRLF, with or without a final line break', () => {
    expect(fields('a,b\n1,2')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(fields('a,b\r\n1,2\r\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('keeps empty fields, including a trailing one', () => {
    expect(fields('a,,c\n,,\nx,')).toEqual([
      ['a', '', 'c'],
      ['', '', ''],
      ['x', ''],
    ]);
  });

  it('reads quoted fields with commas, escaped quotes and line breaks inside', () => {
    expect(fields('"a, b","say ""hi""","line 1\nline 2"\n"",x')).toEqual([
      ['a, b', 'say "hi"', 'line 1\nline 2'],
      ['', 'x'],
    ]);
    expect(fields('"crlf\r\ninside",y\r\n')).toEqual([['crlf\r\ninside', 'y']]);
  });

  it('reports the line each record starts on, counting line breaks inside quotes', () => {
    const records = parseCsv('h1,h2\n"multi\nline\nfield",1\n\nlast,2\n');
    expect(records.map((r) => r.line)).toEqual([1, 2, 6]);
  });

  it('drops a byte order mark and skips blank lines', () => {
    expect(fields('\uFEFFa,b\n\n\nc,d\n')).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it('rejects malformed quoting with the line of the problem', () => {
    const fail = (text: string): CsvError => {
      try {
        parseCsv(text);
      } catch (error) {
        if (error instanceof CsvError) return error;
        throw error;
      }
      throw new Error('expected a CsvError');
    };
    expect(fail('a,b\n"never closed,1\n2\n').line).toBe(2);
    expect(fail('a,b\n"never closed,1\n2\n').message).toBe('line 2: quoted field is never closed');
    expect(fail('a,b\nx,"quoted"tail\n').message).toBe(
      'line 2: unexpected "t" after a closing quote',
    );
    expect(fail('a,b\nc,d\nbad"quote,1\n').message).toBe(
      'line 3: quote inside an unquoted field (quote the whole field)',
    );
  });

  it('accepts another delimiter', () => {
    expect(fields('a;b\n')).toEqual([['a;b']]);
    expect(parseCsv('a;"b;c"\n', ';').map((r) => r.fields)).toEqual([['a', 'b;c']]);
  });
});
