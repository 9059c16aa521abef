/**
 * Formats an RFC 3339 timestamp as Go's `time.Time.String()` does for a UTC time, e.g.
 * `2024-05-01 10:00:00.5 +0000 UTC`, and `null` as Go's `%v` of a nil pointer, `<nil>`. Consul's
 * `peering read` prints stream timestamps this way.
 */
export function formatGoTime(rfc3339: string | null | undefined): string {
  if (rfc3339 === null || rfc3339 === undefined || rfc3339 === '') return '<nil>';
  const date = new Date(rfc3339);
  if (Number.isNaN(date.getTime())) return rfc3339;
  const fraction = /\.(\d+)/.exec(rfc3339)?.[1];
  const offset = /(Z|[+-]\d{2}:\d{2})$/i.exec(rfc3339)?.[1] ?? 'Z';
  // Keep the sub-second digits of the source (Date holds only milliseconds) when it is already UTC.
  const digits =
    offset.toUpperCase() === 'Z' || offset === '+00:00'
      ? (fraction ?? '').replace(/0+$/, '')
      : String(date.getUTCMilliseconds()).padStart(3, '0').replace(/0+$/, '');
  const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
  const base =
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${base}${digits === '' ? '' : `.${digits}`} +0000 UTC`;
}
