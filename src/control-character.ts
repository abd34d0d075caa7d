/** A C0 control character or DEL (CR, LF, tab, NUL…): what no header line can carry, an AMI action's or an HTTP
 * request's. One definition for the AMI writer (src/ami/values.ts) and the credentials the configuration checks. */
export const CONTROL_CHARACTER = /[\x00-\x1f\x7f]/;
