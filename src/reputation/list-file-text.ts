/**
 * A list file's bytes as text, strictly: UTF-16 and invalid UTF-8 are refused rather than decoded into U+FFFD for
 * each accented letter (a Windows-1252 "Démarchage" would import as "D\uFFFDmarchage" without a word). The CLI
 * (a file) and the API (a request body, which may declare ISO-8859-1) read lists through this one door.
 */
import { ImportError } from './csv.js';

/** `windows-1252` for a body declared ISO-8859-1 or Windows-1252 (Excel's plain "CSV"); UTF-8 otherwise. */
export type ListFileCharset = 'utf-8' | 'windows-1252';

export function decodeListFile(bytes: Uint8Array, charset: ListFileCharset = 'utf-8'): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new ImportError('it is UTF-16 text: save it as UTF-8 (Excel: "CSV UTF-8") and import it again');
  }
  try {
    return new TextDecoder(charset, { fatal: true }).decode(bytes);
  } catch {
    throw new ImportError('it is not UTF-8 text: save it as UTF-8 (Excel: "CSV UTF-8") and import it again');
  }
}
