/** CSV text (RFC 4180): comma separated, CRLF-free (`\n` line ends), quotes doubled. */

export type CsvCell = string | number | null | undefined;

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  // Numbers keep full precision (String() round-trips doubles); non-finite ones become text.
  const s = typeof value === 'number' ? String(value) : value;
  return /[",\n\r]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  const lines = [header.map(csvCell).join(',')];
  for (const row of rows) lines.push(row.map(csvCell).join(','));
  return lines.join('\n') + '\n';
}
