/**
 * Whether a VTIMEZONE of the object (as timesOnly writes it: unfolded, names upper case) has an
 * observance rule that changes more often than daily: FREQ=SECONDLY, MINUTELY or HOURLY, or
 * several BYHOUR, BYMINUTE or BYSECOND values, which come to the same. Real zones change a few
 * times a year; ical.js expands an observance's rule from its start up to the time asked about,
 * so FREQ=SECONDLY from 1970 is billions of steps that hold the whole process. Such an object is
 * never handed to it.
 */
export function hasSubDailyZoneRule(times: string): boolean {
  let inObservance = false;
  for (const line of times.split('\r\n')) {
    if (line === 'BEGIN:STANDARD' || line === 'BEGIN:DAYLIGHT') inObservance = true;
    else if (line === 'END:STANDARD' || line === 'END:DAYLIGHT') inObservance = false;
    else if (inObservance && RULE.test(line) && subDaily(line.slice(line.indexOf(':') + 1))) return true;
  }
  return false;
}

const RULE = /^RRULE[;:]/;
const SUB_DAILY_FREQUENCY = new Set(['SECONDLY', 'MINUTELY', 'HOURLY']);
const TIME_OF_DAY_PARTS = new Set(['BYHOUR', 'BYMINUTE', 'BYSECOND']);

function subDaily(rule: string): boolean {
  return rule.split(';').some((part) => {
    const [name, value = ''] = part.split('=').map((side) => side.trim().toUpperCase());
    if (name === 'FREQ') return SUB_DAILY_FREQUENCY.has(value);
    return TIME_OF_DAY_PARTS.has(name) && value.includes(',');
  });
}
