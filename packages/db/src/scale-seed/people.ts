/**
 * Who the seeded customers are: names drawn from these lists by a hash of the customer's number, and
 * identifiers built from that number, so each is unique and valid under the contracts' schemas
 * (E.164 phone, 4–32 character ID number, an email that `emailSchema` accepts unchanged).
 */
export const FEMALE_FIRST_NAMES = [
  'Aline',
  'Claudine',
  'Diane',
  'Grace',
  'Josiane',
  'Solange',
  'Chantal',
  'Vestine',
  'Jeanne',
  'Clarisse',
  'Ange',
  'Divine',
  'Esther',
  'Sandrine',
  'Yvonne',
  'Beatrice',
  'Liliane',
  'Alice',
  'Nadine',
  'Immaculee',
];
export const MALE_FIRST_NAMES = [
  'Bosco',
  'Eric',
  'Fabrice',
  'Jean',
  'Patrick',
  'Emmanuel',
  'Olivier',
  'Innocent',
  'Theogene',
  'Celestin',
  'Pacifique',
  'Aimable',
  'Yves',
  'Didier',
  'Gilbert',
  'Claude',
  'Samuel',
  'David',
  'Kevin',
  'Thierry',
];
export const LAST_NAMES = [
  'Uwase',
  'Mugisha',
  'Niyonzima',
  'Habimana',
  'Uwimana',
  'Mukamana',
  'Ndayisaba',
  'Iradukunda',
  'Ishimwe',
  'Nshimiyimana',
  'Hakizimana',
  'Uwera',
  'Mutoni',
  'Nyiraneza',
  'Bizimana',
  'Kamanzi',
  'Gatete',
  'Rukundo',
  'Munyaneza',
  'Twagirayezu',
  'Nsengiyumva',
  'Uwamahoro',
  'Ingabire',
  'Umutoni',
  'Keza',
  'Irakoze',
  'Manzi',
  'Shema',
  'Cyusa',
  'Gasana',
  'Kayitesi',
  'Murenzi',
  'Karangwa',
  'Niyomugabo',
  'Tuyishime',
  'Umuhoza',
  'Byiringiro',
  'Nkurunziza',
  'Mukeshimana',
  'Habiyaremye',
];

/** Reserved for tests (RFC 2606): no seeded email can reach a real inbox. */
export const SCALE_SEED_EMAIL_DOMAIN = 'scale.tekana.test';

/**
 * The seeded customer number `k`'s phone: Rwanda's +250 7 then 8 digits. Real Rwandan mobile numbers
 * start 72, 73, 78 or 79, so +250 70... reaches no one, and k < 10,000,000 never meets the test
 * suites' +2507 numbers (whose 8 digits never start with 0).
 */
export function scaleSeedPhoneNumber(k: number): string {
  return `+2507${String(k).padStart(8, '0')}`;
}

/**
 * The password of every seeded customer (README, "At scale"): one argon2 hash of it is stored for all,
 * so any of them can log in.
 */
export const SCALE_SEED_PASSWORD = 'tekana-scale-seed';

/**
 * The customer whose MERCHANT wallet takes 30% of all payments: the hot account, with the longest
 * history (the read bench pages 1,000 pages deep into it).
 */
export const SCALE_SEED_HOT_MERCHANT = 50;
