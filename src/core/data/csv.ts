/**
 * A small RFC 4180 CSV reader: fields separated by commas, records by CRLF or LF; a field may be
 * quoted, and inside quotes `""` is a quote and line breaks are part of the field. A UTF-8 byte
 * order mark is dropped and blank lines between records are skipped. Malformed input (a stray
 * quote inside an unquoted field, text after a closing quote, a quote never closed) throws a
 * `CsvError` carrying the line where the problem is.
 */

export interface CsvRecord {
  fields: string[];
  /** 1-based line of the file where the record starts. */
  line: number;
}

export class CsvError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'CsvError';
  }
}

export function parseCsv(text: string, delimiter = ','): CsvRecord[] {
  const records: CsvRecord[] = [];
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let line = 1;
  let i = 0;
  while (i < src.length) {
    // A blank line between records is not a record.
    if (src[i] === '\n' || src[i] === '\r') {
      if (src[i] === '\r' && src[i + 1] === '\n') i++;
      i++;
      line++;
      continue;
    }
    const record: CsvRecord = { fields: [], line };
    for (;;) {
      let field = '';
      if (src[i] === '"') {
        const openedAt = line;
        i++;
        for (;;) {
          if (i >= src.length) throw new CsvError(openedAt, 'quoted field is never closed');
          const ch = src[i];
          if (ch === '"') {
            if (src[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\n') line++;
          field += ch;
          i++;
        }
        const after = src[i];
        if (i < src.length && after !== delimiter && after !== '\n' && after !== '\r')
          throw new CsvError(line, `unexpected ${JSON.stringify(after)} after a closing quote`);
      } else {
        while (i < src.length && src[i] !== delimiter && src[i] !== '\n' && src[i] !== '\r') {
          if (src[i] === '"')
            throw new CsvError(line, 'quote inside an unquoted field (quote the whole field)');
          field += src[i];
          i++;
        }
      }
      record.fields.push(field);
      if (i >= src.length) break;
      if (src[i] === delimiter) {
        i++;
        continue;
      }
      // End of record: CRLF, LF or CR.
      if (src[i] === '\r' && src[i + 1] === '\n') i++;
      i++;
      line++;
      break;
    }
    records.push(record);
  }
  return records;
}
