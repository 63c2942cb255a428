/**
 * Clean strings from others before anyone stores, prints or shows them: terminal escape sequences
 * (CSI, OSC), every other control character (C0, DEL, C1), Unicode bidi controls that reorder what
 * a person reads ("Org\u202Egnp.exe" shows as "Orgexe.png"), and invisible format characters.
 * Pure: runs in the browser and in Node.
 */

/* eslint-disable no-control-regex -- matching control characters is the point of this file */

/** CSI (ESC [ ... final) and OSC (ESC ] ... BEL | ESC \) sequences, and 2-byte ESC sequences. */
const ESCAPE_SEQUENCES =
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|\u001b[@-Z\\-_]/g;
/**
 * C0 controls, DEL, C1 controls; bidi embeddings/overrides/isolates and marks (U+061C, U+200E,
 * U+200F, U+202A–U+202E, U+2066–U+2069); zero-width and other invisible format characters
 * (U+180E, U+200B–U+200D, U+2060–U+2064, U+FEFF); line/paragraph separators (U+2028, U+2029).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** The text without escape sequences, control, bidi or invisible characters; whitespace runs become one space. */
export function cleanText(text: string): string {
  return text
    .replace(ESCAPE_SEQUENCES, '')
    .replace(/[\t\n\r\v\f]+/g, ' ')
    .replace(UNSAFE, '')
    .trim();
}

/** Whether the text is already clean (what cleanText would leave unchanged). */
export function isCleanText(text: string): boolean {
  return cleanText(text) === text;
}
