/**
 * Account numbers: 12 digits, the last a Luhn check digit, so a mistyped digit or a swap of two
 * neighbours is caught before any lookup.
 */
export const ACCOUNT_NUMBER_LENGTH = 12;

export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    let d = Number(payload[payload.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function isValidAccountNumber(accountNumber: string): boolean {
  if (!/^\d+$/.test(accountNumber) || accountNumber.length !== ACCOUNT_NUMBER_LENGTH) return false;
  const payload = accountNumber.slice(0, -1);
  return luhnCheckDigit(payload) === Number(accountNumber.at(-1));
}

/** `randomDigits` must come from a CSPRNG-backed source in production code (crypto.randomInt). */
export function makeAccountNumber(randomDigits: (count: number) => string): string {
  const payload = `1${randomDigits(ACCOUNT_NUMBER_LENGTH - 2)}`;
  return `${payload}${luhnCheckDigit(payload)}`;
}
