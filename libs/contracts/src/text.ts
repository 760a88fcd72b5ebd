/**
 * What no text may carry: C0 and C1 control characters, DEL and the Unicode line and paragraph
 * separators. Text ends up in calendar objects, provider events, messages and logs, and a bare CR
 * there starts a line of its own (iCalendar escapes LF, not CR): a customer's name must not be
 * able to add a property to an event. Ordinary spaces are text.
 */
const SINGLE_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * A `multiline` field (a note) may also break lines with LF and indent with TAB: every writer of
 * it escapes LF (iCalendar's \n) or sends it as JSON, and TAB is plain text in all of them. CR
 * never: CRLF is one more way to write LF, and a bare CR is how lines are injected.
 */
const MULTILINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

/** The first character `value` may not carry, as U+XXXX, or null when it is clean. */
export function forbiddenCharacter(value: string, multiline = false): string | null {
  const found = (multiline ? MULTILINE : SINGLE_LINE).exec(value);
  return found ? `U+${found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}` : null;
}

/** Someone else's prose (a provider's error description) made fit for a one-line field. */
export function oneLine(value: string): string {
  return value.replace(new RegExp(`${SINGLE_LINE.source}+`, 'g'), ' ').trim();
}
