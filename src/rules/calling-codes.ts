/**
 * Length of the country calling code at the start of an E.164 number (digits, no `+`). Source: ITU-T E.164
 * assigned country codes (List of ITU-T Recommendation E.164 assigned country codes): zones 1 and 7 use one digit,
 * the two-digit codes are listed below, every other code has three digits.
 */
const TWO_DIGIT = new Set([
  '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49',
  '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66', '81', '82', '84',
  '86', '90', '91', '92', '93', '94', '95', '98',
]);

export function callingCodeLength(digits: string): number {
  if (digits.startsWith('1') || digits.startsWith('7')) return 1;
  return TWO_DIGIT.has(digits.slice(0, 2)) ? 2 : 3;
}
