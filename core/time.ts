// Time and durations for the core: integer microseconds held in a bigint.
//
// A bigint because the decisions ask for microsecond resolution over the years 1970 to 9999,
// and a double holds exact microseconds only up to the year 2255. Commands carry times as
// ISO 8601 text; this module parses them (rejecting text without an offset) and formats
// replies. Nothing here reads a clock.

import { Rejection } from "./errors.js";

/** Microseconds since 1970-01-01T00:00:00Z. */
export type Micros = bigint;

const US_PER_SECOND = 1_000_000n;
const US_PER_MINUTE = 60n * US_PER_SECOND;
const US_PER_HOUR = 60n * US_PER_MINUTE;
const US_PER_DAY = 24n * US_PER_HOUR;

const DATE_PART = String.raw`(\d{4})-(\d{2})-(\d{2})`;
const CLOCK_PART = String.raw`(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,6}))?)?)?`;
const TIME_PATTERN = new RegExp(`^${DATE_PART}${CLOCK_PART}(Z|[+-]\\d{2}:?\\d{2})?$`);

// Commands issued in a row often carry the same time text; parsing it once saves work on the
// hot path of the simulator without changing any result.
let lastParsedText = "";
let lastParsedValue: Micros = 0n;

/** Parses ISO 8601 text with an explicit offset; rejects naive or malformed text. */
export function parseTime(text: unknown, field: string): Micros {
  if (typeof text !== "string") {
    throw new Rejection("invalid-argument", `${field}: expected an ISO 8601 time string`);
  }
  if (text === lastParsedText) return lastParsedValue;
  const canonical = parseCanonicalTime(text);
  if (canonical !== undefined) {
    lastParsedText = text;
    lastParsedValue = canonical;
    return canonical;
  }

  const match = TIME_PATTERN.exec(text);
  if (match === null) {
    throw new Rejection("invalid-argument", `${field}: '${text}' is not an ISO 8601 time`);
  }
  const [, year, month, day, hour, minute, second, fraction, offset] = match;
  if (offset === undefined) {
    throw new Rejection(
      "naive-time",
      `${field}: '${text}' has no UTC offset; timezone-naive values are not allowed`,
    );
  }

  const y = Number(year), mo = Number(month), d = Number(day);
  const h = Number(hour ?? 0), mi = Number(minute ?? 0), s = Number(second ?? 0);
  if (y < 1) {
    throw new Rejection("invalid-argument", `${field}: '${text}' is out of range (years 0001 ` +
      "to 9999)");
  }
  if (!validOffset(offset)) {
    throw new Rejection("invalid-argument", `${field}: '${text}' has an impossible UTC offset`);
  }
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 ||
      s > 59) {
    throw new Rejection("invalid-argument", `${field}: '${text}' is not a valid calendar time`);
  }

  const seconds = daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s;
  const micros = fraction === undefined ? 0 : Number(fraction.padEnd(6, "0"));
  const value = checkTimeRange(
    BigInt(seconds - offsetSeconds(offset)) * US_PER_SECOND + BigInt(micros), field);
  lastParsedText = text;
  lastParsedValue = value;
  return value;
}

const ZERO = 48;
// 1970 .. 2255: microseconds since the epoch stay below 2^53, so one exact double suffices.
const SAFE_SECONDS_MAX = Math.floor(Number.MAX_SAFE_INTEGER / 1e6) - 1;

/**
 * The fast path for the form chronoq itself writes, `YYYY-MM-DDTHH:MM:SS.ffffffZ`: digits
 * read in place, no regular expression, one bigint. Anything else takes the general path.
 */
function parseCanonicalTime(text: string): Micros | undefined {
  if (text.length !== 27 || text.charCodeAt(26) !== 90 /* Z */ || text[19] !== ".") {
    return undefined;
  }
  const us = digits(text, 20, 6);
  const secondsSinceEpoch = text.startsWith(lastSecondText) ? lastSecondValue
    : canonicalSeconds(text);
  if (us < 0 || secondsSinceEpoch < 0 || secondsSinceEpoch > SAFE_SECONDS_MAX) return undefined;
  return BigInt(secondsSinceEpoch * 1e6 + us);
}

// Successive times share their date and second more often than not: read those once.
let lastSecondText = "\u0000";
let lastSecondValue = -1;

/** Seconds since the epoch of `YYYY-MM-DDTHH:MM:SS` at the start of `text`, or -1. */
function canonicalSeconds(text: string): number {
  if (text[10] !== "T" || text[4] !== "-" || text[7] !== "-" || text[13] !== ":" ||
      text[16] !== ":") {
    return -1;
  }
  const y = digits(text, 0, 4), mo = digits(text, 5, 2), d = digits(text, 8, 2);
  const h = digits(text, 11, 2), mi = digits(text, 14, 2), s = digits(text, 17, 2);
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 ||
      s > 59 || mi < 0 || h < 0 || s < 0) {
    return -1;
  }
  const value = daysFromCivil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s;
  lastSecondText = text.slice(0, 19);
  lastSecondValue = value;
  return value;
}

/** The number written by `count` decimal digits at `start`, or -1 when one is not a digit. */
function digits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/** Formats as `2006-08-10T16:30:00.000000Z`. */
export function formatTime(at: Micros): string {
  let seconds = at / US_PER_SECOND;
  let micros = at % US_PER_SECOND;
  if (micros < 0n) {
    micros += US_PER_SECOND;
    seconds -= 1n;
  }
  const total = Number(seconds);
  const days = Math.floor(total / 86_400);
  const inDay = total - days * 86_400;
  const [y, m, d] = civilFromDays(days);
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}T${pad(Math.floor(inDay / 3600), 2)}:` +
    `${pad(Math.floor(inDay / 60) % 60, 2)}:${pad(inDay % 60, 2)}.${pad(Number(micros), 6)}Z`;
}

const SHORT_DURATION =
  /^(-)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?(?:(\d+)us)?$/;
const ISO_DURATION =
  /^(-)?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:[.,](\d{1,6}))?S)?)?$/;

/**
 * Parses `"250ms"`, `"1h30m"`, `"2d"`, `"1us"`, or ISO 8601 (`"PT1H"`, `"-PT5M"`, `"P2D"`).
 * A leading minus is accepted here; callers that need a non-negative value check it.
 */
export function parseDuration(text: unknown, field: string): Micros {
  if (typeof text !== "string") {
    throw new Rejection("invalid-argument", `${field}: expected a duration string such as "30s"`);
  }
  const value = parseShortDuration(text) ?? parseIsoDuration(text);
  if (value === undefined) {
    throw new Rejection(
      "invalid-argument",
      `${field}: '${text}' is not a duration (use "30s", "1h30m", "250ms" or ISO 8601 "PT1H")`,
    );
  }
  return value;
}

/** Returns whether `text` is a duration this module can parse. */
export function isDurationText(text: string): boolean {
  return parseShortDuration(text) !== undefined || parseIsoDuration(text) !== undefined;
}

function parseShortDuration(text: string): Micros | undefined {
  const match = SHORT_DURATION.exec(text);
  if (match === null || match.slice(2).every((part) => part === undefined)) return undefined;
  const [, minus, d, h, m, s, ms, us] = match;
  const value = big(d) * US_PER_DAY + big(h) * US_PER_HOUR + big(m) * US_PER_MINUTE +
    big(s) * US_PER_SECOND + big(ms) * 1000n + big(us);
  return minus === undefined ? value : -value;
}

function parseIsoDuration(text: string): Micros | undefined {
  const match = ISO_DURATION.exec(text);
  if (match === null || match.slice(2).every((part) => part === undefined)) return undefined;
  if (text.endsWith("T")) return undefined;
  const [, minus, w, d, h, m, s, fraction] = match;
  const micros = fraction === undefined ? 0n : BigInt(fraction.padEnd(6, "0"));
  const value = big(w) * 7n * US_PER_DAY + big(d) * US_PER_DAY + big(h) * US_PER_HOUR +
    big(m) * US_PER_MINUTE + big(s) * US_PER_SECOND + micros;
  return minus === undefined ? value : -value;
}

/** Formats as ISO 8601 hours, minutes and seconds: `PT1H30M`, `PT48H`, `PT0.000001S`. */
export function formatDuration(duration: Micros): string {
  if (duration === 0n) return "PT0S";
  const sign = duration < 0n ? "-" : "";
  const magnitude = duration < 0n ? -duration : duration;

  const hours = magnitude / US_PER_HOUR;
  const minutes = (magnitude % US_PER_HOUR) / US_PER_MINUTE;
  const micros = magnitude % US_PER_MINUTE;
  let text = `${sign}PT`;
  if (hours > 0n) text += `${hours}H`;
  if (minutes > 0n) text += `${minutes}M`;
  if (micros > 0n) {
    const whole = micros / US_PER_SECOND;
    const fraction = (micros % US_PER_SECOND).toString().padStart(6, "0").replace(/0+$/, "");
    text += fraction === "" ? `${whole}S` : `${whole}.${fraction}S`;
  }
  return text;
}

export function seconds(n: number): Micros {
  return BigInt(n) * US_PER_SECOND;
}

export const DAY_US = US_PER_DAY;
export const HOUR_US = US_PER_HOUR;

function big(part: string | undefined): bigint {
  return part === undefined ? 0n : BigInt(part);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** Offsets run from -23:59 to +23:59. */
function validOffset(offset: string): boolean {
  if (offset === "Z") return true;
  const digits = offset.slice(1).replace(":", "");
  return Number(digits.slice(0, 2)) <= 23 && Number(digits.slice(2, 4)) <= 59;
}

/** The first and last microsecond of the years 0001 to 9999, the range of chronoq's times. */
export const TIME_MIN_US = -62_135_596_800_000_000n;
export const TIME_MAX_US = 253_402_300_799_999_999n;

/** Rejects a time outside the years 0001 to 9999 (say, a clock advanced too far). */
export function checkTimeRange(at: Micros, field: string): Micros {
  if (at < TIME_MIN_US || at > TIME_MAX_US) {
    throw new Rejection("invalid-argument", `${field}: the time leaves the years 0001 to 9999`);
  }
  return at;
}

function offsetSeconds(offset: string): number {
  if (offset === "Z") return 0;
  const sign = offset[0] === "-" ? -1 : 1;
  const digits = offset.slice(1).replace(":", "");
  return sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4)) * 60);
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!;
}

// Proleptic Gregorian calendar arithmetic (days relative to 1970-01-01), after the well-known
// era-based algorithm; exact for every year the parser accepts.
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) +
    dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) -
    Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day];
}
