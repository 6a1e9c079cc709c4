/**
 * Lexical checks of FLAT leaf values, matching what EHRbase 2.16 parses without a 400
 * (ISO 8601 extended dates with partial precision, the literal `now`, numbers as JSON numbers or
 * numeric strings).
 */

const DATE_TIME =
  /^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2})(?:T([0-9]{2})(?::([0-9]{2})(?::([0-9]{2})(?:[.,][0-9]+)?)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?)?)?$/;
/** ISO 8601 basic format (`20210321T211949Z`), which EHRbase's parser also takes. */
const DATE_TIME_BASIC =
  /^([0-9]{4})([0-9]{2})([0-9]{2})(?:T([0-9]{2})(?:([0-9]{2})(?:([0-9]{2})(?:[.,][0-9]+)?)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?$/;
const DATE = /^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?$/;
const TIME = /^T?([0-9]{2})(?::([0-9]{2})(?::([0-9]{2})(?:[.,][0-9]+)?)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?$/;
const DURATION =
  /^-?P(?!$)(?:[0-9]+(?:[.,][0-9]+)?Y)?(?:[0-9]+(?:[.,][0-9]+)?M)?(?:[0-9]+(?:[.,][0-9]+)?W)?(?:[0-9]+(?:[.,][0-9]+)?D)?(?:T(?!$)(?:[0-9]+(?:[.,][0-9]+)?H)?(?:[0-9]+(?:[.,][0-9]+)?M)?(?:[0-9]+(?:[.,][0-9]+)?S)?)?$/;
const NUMERIC = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const INTEGER = /^[+-]?[0-9]+$/;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  if (month === 2 && day === 29) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return day <= (DAYS_IN_MONTH[month - 1] ?? 0);
}

function validZone(zone: string | undefined): boolean {
  if (zone === undefined || zone === "Z") return true;
  const hours = Number(zone.slice(1, 3));
  const minutes = zone.length > 3 ? Number(zone.slice(-2)) : 0;
  return hours <= 18 && minutes <= 59;
}

function validClock(
  hour: string | undefined,
  minute: string | undefined,
  second: string | undefined,
): boolean {
  if (hour !== undefined && Number(hour) > 23) return false;
  if (minute !== undefined && Number(minute) > 59) return false;
  if (second !== undefined && Number(second) > 59) return false;
  return true;
}

/** FLAT values reach EHRbase as text: a JSON number is read as its digits. */
function asText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * ISO 8601 date-time, partial precision allowed (`2021`, `2021-10`, `2021-10-24T10` …), extended or
 * basic format, or `now`. Zone offsets need minutes (`+01:00`, `+0100`); EHRbase rejects `+01`.
 */
export function isFlatDateTime(input: unknown): boolean {
  // Compositions repeat the same timestamp on many keys: remember the last answer.
  if (input === lastDateTimeInput) return lastDateTimeResult;
  const result = checkDateTime(input);
  lastDateTimeInput = input;
  lastDateTimeResult = result;
  return result;
}

let lastDateTimeInput: unknown;
let lastDateTimeResult = false;

function checkDateTime(input: unknown): boolean {
  const value = asText(input);
  if (value === undefined) return false;
  if (value === "now") return true;
  const match = DATE_TIME.exec(value) ?? DATE_TIME_BASIC.exec(value);
  if (!match) return false;
  const [, year, month, day, hour, minute, second, zone] = match;
  if (month !== undefined && (Number(month) < 1 || Number(month) > 12)) return false;
  if (day !== undefined && !validDay(Number(year), Number(month), Number(day))) return false;
  return validClock(hour, minute, second) && validZone(zone);
}

export function isFlatDate(input: unknown): boolean {
  const value = asText(input);
  if (value === undefined) return false;
  if (value === "now") return true;
  const match = DATE.exec(value);
  if (!match) return false;
  const [, year, month, day] = match;
  if (month !== undefined && (Number(month) < 1 || Number(month) > 12)) return false;
  return day === undefined || validDay(Number(year), Number(month), Number(day));
}

export function isFlatTime(input: unknown): boolean {
  const value = asText(input);
  if (value === undefined) return false;
  if (value === "now") return true;
  const match = TIME.exec(value);
  if (!match) return false;
  const [, hour, minute, second, zone] = match;
  return validClock(hour, minute, second) && validZone(zone);
}

export function isFlatDuration(value: unknown): boolean {
  return typeof value === "string" && DURATION.test(value);
}

/** A JSON number, or a string Jackson would read as one. Returns undefined when not numeric. */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && NUMERIC.test(value.trim())) return Number(value);
  return undefined;
}

export function toInteger(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) ? value : undefined;
  if (typeof value === "string" && INTEGER.test(value.trim())) return Number(value);
  return undefined;
}

export function isFlatBoolean(value: unknown): boolean {
  return typeof value === "boolean" || value === "true" || value === "false";
}
