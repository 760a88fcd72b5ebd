/**
 * Keeps only what says when an event is busy and drops everything else at once: titles,
 * descriptions, locations, attendees, organizers, alarms, attachments, X- properties (but ours),
 * unknown parameters. What is left is a valid iCalendar text of VEVENTs and VTIMEZONEs with time
 * properties only, for the parser; SEQUENCE and DTSTAMP stay to tell versions of one event apart.
 * Lines are unfolded first; exact duplicate lines within a component (iCloud sends some) are
 * dropped too. A date written without VALUE=DATE (`DTSTART:20190101`) or a period without
 * VALUE=PERIOD is given its type, which the parser would otherwise refuse.
 */
export function timesOnly(ics: string): string {
  const kept: string[] = [];
  const stack: string[] = [];
  // The components we are inside of that we keep; once inside a dropped one, all of it goes.
  let droppedDepth = 0;
  const seen: Set<string>[] = [];
  for (const line of unfold(ics)) {
    const parsed = splitLine(line);
    if (!parsed) continue;
    const { name } = parsed;
    if (name === 'BEGIN') {
      const component = parsed.value.trim().toUpperCase();
      if (droppedDepth > 0 || !KEEP[component] || !allowedIn(stack.at(-1), component)) droppedDepth++;
      else {
        kept.push(`BEGIN:${component}`);
        seen.push(new Set());
      }
      stack.push(component);
      continue;
    }
    if (name === 'END') {
      const component = stack.pop();
      if (droppedDepth > 0) droppedDepth--;
      else if (component) {
        kept.push(`END:${component}`);
        seen.pop();
      }
      continue;
    }
    if (droppedDepth > 0) continue;
    const component = stack.at(-1);
    if (!component || !KEEP[component].has(name)) continue;
    const clean = `${name}${keptParameters(parsed.parameters)}${impliedValueType(name, parsed)}:${parsed.value}`;
    const lines = seen.at(-1)!;
    if (lines.has(clean)) continue;
    lines.add(clean);
    kept.push(clean);
  }
  return `${kept.join('\r\n')}\r\n`;
}

const EVENT_PROPERTIES = new Set([
  'UID',
  'DTSTART',
  'DTEND',
  'DURATION',
  'RRULE',
  'RDATE',
  'EXDATE',
  'RECURRENCE-ID',
  'TRANSP',
  'STATUS',
  'SEQUENCE',
  'DTSTAMP',
  'X-CALLDESK-BOOKING-ID',
]);
const OBSERVANCE_PROPERTIES = new Set(['DTSTART', 'TZOFFSETFROM', 'TZOFFSETTO', 'RRULE', 'RDATE']);

const KEEP: Record<string, Set<string>> = {
  VCALENDAR: new Set(),
  VEVENT: EVENT_PROPERTIES,
  VTIMEZONE: new Set(['TZID']),
  STANDARD: OBSERVANCE_PROPERTIES,
  DAYLIGHT: OBSERVANCE_PROPERTIES,
};

const PARENT: Record<string, string | undefined> = {
  VCALENDAR: undefined,
  VEVENT: 'VCALENDAR',
  VTIMEZONE: 'VCALENDAR',
  STANDARD: 'VTIMEZONE',
  DAYLIGHT: 'VTIMEZONE',
};

const KEPT_PARAMETERS = new Set(['TZID', 'VALUE', 'RANGE']);

function allowedIn(parent: string | undefined, component: string): boolean {
  return PARENT[component] === parent;
}

function* unfold(ics: string): Generator<string> {
  let current: string | undefined;
  for (const raw of ics.split(/\r\n|\n|\r/)) {
    if ((raw.startsWith(' ') || raw.startsWith('\t')) && current !== undefined) {
      current += raw.slice(1);
      continue;
    }
    if (current !== undefined) yield current;
    current = raw;
  }
  if (current !== undefined) yield current;
}

interface ContentLine {
  name: string;
  parameters: string[];
  value: string;
}

/** NAME;PARAM=a;PARAM="b:c":value — the value starts at the first colon outside quotes. */
function splitLine(line: string): ContentLine | undefined {
  let inQuotes = false;
  let colon = -1;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (char === '"') inQuotes = !inQuotes;
    else if (char === ':' && !inQuotes) {
      colon = i;
      break;
    }
  }
  if (colon < 1) return undefined;
  const head = line.slice(0, colon);
  const parts: string[] = [];
  let start = 0;
  inQuotes = false;
  for (let i = 0; i <= head.length; i++) {
    if (i < head.length && head[i] === '"') inQuotes = !inQuotes;
    else if (i === head.length || (head[i] === ';' && !inQuotes)) {
      parts.push(head.slice(start, i));
      start = i + 1;
    }
  }
  const [name, ...parameters] = parts;
  return { name: name.trim().toUpperCase(), parameters, value: line.slice(colon + 1) };
}

function keptParameters(parameters: string[]): string {
  return parameters
    .filter((parameter) => KEPT_PARAMETERS.has(parameter.split('=')[0].trim().toUpperCase()))
    .map((parameter) => `;${parameter}`)
    .join('');
}

const DATE_LIST = /^\d{8}(,\d{8})*$/;
const TIME_PROPERTIES = new Set(['DTSTART', 'DTEND', 'RECURRENCE-ID', 'EXDATE', 'RDATE']);

/** `;VALUE=DATE` or `;VALUE=PERIOD` where the value shows its type but the line does not name it. */
function impliedValueType(name: string, line: ContentLine): string {
  if (!TIME_PROPERTIES.has(name) || line.parameters.some((parameter) => /^\s*VALUE\s*=/i.test(parameter))) return '';
  const value = line.value.trim();
  if (DATE_LIST.test(value)) return ';VALUE=DATE';
  return name === 'RDATE' && value.includes('/') ? ';VALUE=PERIOD' : '';
}
