/**
 * A phone number as we may show it where it should not be read in full (an API answer to a caller who
 * has not signed in yet, a log line): the country and the last digits, enough to recognise, not to reach.
 */
export function maskPhoneNumber(phone: string): string {
  return `${phone.slice(0, 4)}${'*'.repeat(Math.max(0, phone.length - 7))}${phone.slice(-3)}`;
}
